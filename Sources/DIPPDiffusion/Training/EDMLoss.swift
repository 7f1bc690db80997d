import DIPPTensor

/// EDM's denoising loss (Karras et al., 2022, eq. 8 with Table 1's λ):
/// `ln σ ~ N(P_mean, P_std²)`, `n ~ N(0, σ²I)`,
/// `L = mean_batch λ(σ)·‖D(x₀ + n; σ, c) − x₀‖²` (squared error summed over a sample's
/// dimensions), with each label dropped to `∅` with probability `labelDropout` so one network
/// learns both CFG branches.
public struct EDMLoss: Codable, Sendable, Equatable {
    public var noise: NoiseDistribution = .edm
    /// Probability of replacing a label by `∅` (≈ 10%).
    public var labelDropout: Float = 0.1

    public init(noise: NoiseDistribution = .edm, labelDropout: Float = 0.1) {
        self.noise = noise
        self.labelDropout = labelDropout
    }

    /// The loss for clean samples `x0` (`[N] + sampleShape`) with `conditions`.
    /// - Parameter sigmaData: `σ_d` for `λ(σ)`.
    public func callAsFunction(_ denoiser: any ScoreModel, _ x0: Tensor, conditions: Conditions, sigmaData: Float,
                               rng: inout RandomStream) -> Tensor {
        let n = x0.shape[0]
        let sigmas = noise.sample(n, rng: &rng)
        let drops = rng.uniform(n)
        let dropped = conditions.dropping(drops.map { $0 < labelDropout })
        let sigma = Tensor(shape: [n], storage: sigmas)
        let epsilon = Tensor.randomNormal(x0.shape, using: &rng)
        let x = x0 + epsilon * Noise.perSample(sigma, rank: x0.rank)
        let denoised = denoiser.denoise(x, sigma: sigma, conditions: dropped)
        let preconditioning = EDMPreconditioning(sigmaData: sigmaData)
        let weights = Noise.perSample(Tensor(shape: [n], storage: sigmas.map(preconditioning.lossWeight)), rank: x0.rank)
        return ((denoised - x0).square() * weights).sum() / Float(n)
    }
}
