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
    /// - Parameters:
    ///   - sigmaData: `σ_d` for `λ(σ)`.
    ///   - rows: the rows this process trains on in a data-parallel job (all by default): σ, the
    ///     label dropout and the noise are drawn for the whole batch, then cut, so every rank
    ///     consumes `rng` alike; the loss is the mean over these rows.
    public func callAsFunction(_ denoiser: any ScoreModel, _ x0: Tensor, conditions: Conditions, sigmaData: Float,
                               rng: inout RandomStream, rows: Range<Int>? = nil) -> Tensor {
        let all = x0.shape[0]
        var sigmas = noise.sample(all, rng: &rng)
        var drops = rng.uniform(all)
        var epsilon = Tensor.randomNormal(x0.shape, using: &rng)
        var (x0, conditions) = (x0, conditions)
        if let rows, rows.count != all {
            (sigmas, drops) = (Array(sigmas[rows]), Array(drops[rows]))
            epsilon = epsilon.slice(axis: 0, start: rows.lowerBound, count: rows.count)
            x0 = x0.slice(axis: 0, start: rows.lowerBound, count: rows.count)
            conditions = conditions.subset(Array(rows))
        }
        let n = x0.shape[0]
        let dropped = conditions.dropping(drops.map { $0 < labelDropout })
        let sigma = Tensor(shape: [n], storage: sigmas)
        let x = x0 + epsilon * Noise.perSample(sigma, rank: x0.rank)
        let denoised = denoiser.denoise(x, sigma: sigma, conditions: dropped)
        let preconditioning = EDMPreconditioning(sigmaData: sigmaData)
        let weights = Noise.perSample(Tensor(shape: [n], storage: sigmas.map(preconditioning.lossWeight)), rank: x0.rank)
        return ((denoised - x0).square() * weights).sum() / Float(n)
    }
}
