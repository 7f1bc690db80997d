import DIPPTensor

/// Classifier-free guidance applied only in a band of noise levels (Kynkäänniemi et al., 2024,
/// "Applying guidance in a limited interval"): per sample,
/// `D̃ = D(x; σ, ∅) + α_σ·(D(x; σ, c) − D(x; σ, ∅))` with `α_σ = α` for `σ ∈ [σ_lo, σ_hi]` and
/// `α_σ = 1` (no guidance) outside.
public struct IntervalGuidance: Guidance, Codable, Sendable, Equatable {
    public var scale: Float
    public var sigmaLow: Float
    public var sigmaHigh: Float

    public init(scale: Float, sigmaLow: Float = 0.28, sigmaHigh: Float = 5.42) {
        (self.scale, self.sigmaLow, self.sigmaHigh) = (scale, sigmaLow, sigmaHigh)
    }

    public func denoise(_ model: any ScoreModel, _ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
        if scale == 1 { return model.denoise(x, sigma: sigma, conditions: conditions) }
        let (conditional, null) = ClassifierFreeGuidance.branches(model, x, sigma: sigma, conditions: conditions)
        let scales = Tensor(shape: [x.shape[0]], storage: sigma.storage.map { (sigmaLow...sigmaHigh).contains($0) ? scale : 1 })
        return null + (conditional - null) * Noise.perSample(scales, rank: x.rank)
    }
}
