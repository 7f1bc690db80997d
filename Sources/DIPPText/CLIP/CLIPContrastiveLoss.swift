import DIPPTensor

/// CLIP's symmetric InfoNCE loss (Radford et al., 2021) for a batch of images and their prompts,
/// with every pair that shares a prompt string counted as a positive (captions repeat across
/// images, so a one-hot target would push identical texts apart):
///
/// `L = −½·mean_i Σ_j t_ij·(log softmax_j(ℓ_i·) + log softmax_j(ℓ_·i))`, `ℓ = e^{s}·f̂_I·f̂_Tᵀ`,
/// `t_ij = [p_i = p_j] / #{k : p_k = p_i}` (symmetric, so it serves both directions).
public enum CLIPContrastiveLoss {
    /// `images`: `[B, …]` in [−1, 1], `channels` × `side` × `side`.
    public static func loss(_ model: CLIPModel, images: Tensor, prompts: [String], channels: Int, side: Int) -> Tensor {
        let b = prompts.count
        let logits = model.logits(imageFeatures: model.imageFeatures(images: images, channels: channels, height: side, width: side),
                                  textFeatures: model.textFeatures(prompts))
        var targets = [Float](repeating: 0, count: b * b)
        for i in 0..<b {
            let same = (0..<b).filter { prompts[$0] == prompts[i] }
            for j in same { targets[i * b + j] = 1 / Float(same.count) }
        }
        let t = Tensor(shape: [b, b], storage: targets)
        let rows = (logits.logSoftmax() * t).sum(), columns = (logits.transposed(0, 1).logSoftmax() * t).sum()
        return (rows + columns) * (-0.5 / Float(b))
    }
}
