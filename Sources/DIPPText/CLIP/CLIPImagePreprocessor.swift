import DIPPTensor

/// Differentiable image preprocessing for a CLIP vision tower, so `∇ₓ r` reaches the generator:
///
/// `p = (R_H · v · R_Wᵀ − μ_c) / σ_c`, `v = (x + 1)/2` (DIPP's images are in [−1, 1]; a grey
/// image is repeated into R, G and B), where `R_H`, `R_W` resample each axis to the model's `S`
/// with the triangle filter antialiased on downscaling — PyTorch's
/// `F.interpolate(v, (S, S), mode="bilinear", align_corners=False, antialias=True)` — and `μ`,
/// `σ` are the model's `image_mean` / `image_std`. The map is linear in `x`, so its gradient is
/// `Rᵀ`-shaped and exact.
///
/// Unlike transformers' `CLIPImageProcessor` (which is not differentiable): no rounding to 8
/// bits, no clamping to [0, 1], the whole image is resized to `S × S` (a non-square image is
/// stretched, not resized by its shorter side and centre-cropped), and the filter is bilinear,
/// not PIL's bicubic.
public struct CLIPImagePreprocessor: Sendable {
    public let size: Int
    public let mean: [Float], std: [Float]

    public init(size: Int, mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3, "CLIPImagePreprocessor: mean and std need 3 values each")
        (self.size, self.mean, self.std) = (size, mean, std)
    }

    public init(_ configuration: CLIPConfiguration) {
        self.init(size: configuration.imageSize, mean: configuration.imageMean, std: configuration.imageStd)
    }

    /// `x`: `[B, C, H, W]` (or `[B, C·H·W]`) with `C` 1 or 3, values in [−1, 1] → `[B, 3, S, S]`.
    public func callAsFunction(_ x: Tensor, channels: Int, height: Int, width: Int) -> Tensor {
        precondition(channels == 1 || channels == 3, "CLIPImagePreprocessor: images need 1 or 3 channels, not \(channels)")
        let b = x.shape[0]
        precondition(x.count == b * channels * height * width, "CLIPImagePreprocessor: \(x.shape) is not [B, \(channels), \(height), \(width)]")
        var v = (x.reshaped([b, channels, height, width]) + 1) * 0.5
        if channels == 1 { v = Tensor.concat([v, v, v], axis: 1) }
        if width != size {
            v = v.reshaped([b * 3 * height, width]).matmul(Self.resampling(from: width, to: size).transposed(0, 1)).reshaped([b * 3, height, size])
        } else {
            v = v.reshaped([b * 3, height, size])
        }
        if height != size {
            let rows = v.transposed(1, 2).reshaped([b * 3 * size, height]).matmul(Self.resampling(from: height, to: size).transposed(0, 1))
            v = rows.reshaped([b * 3, size, size]).transposed(1, 2)
        }
        let mu = Tensor(shape: [1, 3, 1, 1], storage: mean), sigma = Tensor(shape: [1, 3, 1, 1], storage: std.map { 1 / $0 })
        return (v.reshaped([b, 3, size, size]) - mu) * sigma
    }

    /// `R [output, input]`: row `i` holds the normalised triangle-filter taps of output pixel `i`,
    /// centred at `s·(i + ½)` (`s = input/output`), support `max(s, 1)`, as PyTorch's antialiased
    /// bilinear interpolation computes them.
    static func resampling(from input: Int, to output: Int) -> Tensor {
        let scale = Float(input) / Float(output)
        let support: Float = scale >= 1 ? scale : 1
        let inverse: Float = scale >= 1 ? 1 / scale : 1
        var r = [Float](repeating: 0, count: output * input)
        for i in 0..<output {
            let centre = scale * (Float(i) + 0.5)
            let low = Swift.max(Int(centre - support + 0.5), 0)
            let high = Swift.min(Int(centre + support + 0.5), input)
            let taps = (low..<high).map { Swift.max(0, 1 - Swift.abs((Float($0) - centre + 0.5) * inverse)) }
            let total = taps.reduce(0, +)
            for (k, w) in taps.enumerated() where total > 0 { r[i * input + low + k] = w / total }
        }
        return Tensor(shape: [output, input], storage: r)
    }
}
