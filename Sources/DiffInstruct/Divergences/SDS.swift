import DIPPDiffusion
import DIPPNN
import DIPPTensor

/// Score Distillation Sampling (DreamFusion, Poole et al., 2022) in DIPP's denoiser form: IKL
/// with the TA replaced by the identity `D_ψ(x) := x₀`.
///
/// Per sample, with `x = x₀ + σε`: `y = sg(x₀ − D̃_ref(x; σ, c))` (the ε-residual `ε̂ − ε`
/// times σ), `L = w·yᵀx` summed over dimensions and averaged over the batch. It reads no TA, so
/// the trainer skips the TA updates. Two configurations:
///
/// - `weighting: sigma` (the default), on the configuration's σ (DI++'s log-normal): the gradient
///   `σ·(ε̂ − ε)` per sample, IKL's unit weighting without the TA — the like-for-like baseline;
/// - `weighting: dreamfusion` with `noise` set to ``NoiseDistribution/dreamFusion``
///   (`{"variancePreserving": {…}}`; ``ScoreDistillationSampling/dreamFusion`` has both):
///   DreamFusion's `w(t)·(ε̂ − ε)` with `w = 1 − ᾱ_t = σ²/(1 + σ²)` and `t` uniform on a VP
///   schedule read as σ through `σ² = (1 − ᾱ)/ᾱ` — so `L = (σ/(1 + σ²))·yᵀx`. DreamFusion also
///   guides at CFG ≈ 100 (set `teacherGuidance`).
///
/// SDS is the baseline that shows why Diff-Instruct needs its TA: its fixed point is not the
/// teacher's distribution but its modes. For a Gaussian teacher `N(μ, s²I)` and a generator
/// `a + b·z`, `∂L/∂a = (a − μ)·κ` and `∂L/∂b = b·κ` per dimension with
/// `κ = E_σ[w·σ²/(s² + σ²)] > 0`: the mean moves to `μ` and the spread `b` shrinks to 0 whatever
/// `s` is (mode collapse; tested in `ClosedFormTests`).
public struct ScoreDistillationSampling: Divergence, Codable, Sendable, Equatable {
    public enum Weighting: String, Codable, Sendable, CaseIterable, ConfigurationChoice {
        /// `σ·(ε̂ − ε)`: the residual `x₀ − D̃_ref` itself.
        case sigma
        /// DreamFusion's `(1 − ᾱ)·(ε̂ − ε) = σ/(1 + σ²)·(x₀ − D̃_ref)`.
        case dreamfusion
    }

    public var weighting: Weighting
    /// σ for this divergence, replacing `algorithm.noise` (`nil`: the configuration's).
    public var sigmaDistribution: NoiseDistribution?

    enum CodingKeys: String, CodingKey {
        case weighting
        case sigmaDistribution = "noise"
    }

    /// Writes `noise` even when `nil` (as `null`), so the option is listed and accepted.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(weighting, forKey: .weighting)
        try c.encode(sigmaDistribution, forKey: .sigmaDistribution)
    }

    public init(weighting: Weighting = .sigma, noise: NoiseDistribution? = nil) {
        self.weighting = weighting
        sigmaDistribution = noise
    }

    /// DreamFusion's configuration (uniform t on Stable Diffusion's schedule, `w = 1 − ᾱ`).
    public static let dreamFusion = ScoreDistillationSampling(weighting: .dreamfusion, noise: .dreamFusion)

    public var name: String { "sds" }
    public var usesAssistant: Bool { false }
    public var noise: NoiseDistribution? { sigmaDistribution }

    /// The per-sample weight `w` multiplying `yᵀx`.
    public func weight(sigma: Float) -> Float {
        switch weighting {
        case .sigma: 1
        case .dreamfusion: sigma / (1 + sigma * sigma)
        }
    }

    public func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm {
        let x = inputs.noisy
        let n = inputs.batchSize, d = x.count / max(n, 1)
        let y = withoutGradients {
            inputs.x0.detached() - inputs.teacherGuidance.denoise(inputs.teacher, x.detached(), sigma: inputs.sigma,
                                                                  conditions: inputs.conditions)
        }
        let w = Tensor(shape: [n], storage: inputs.sigma.storage.map(weight(sigma:)))
        let loss = ((x * y).reshaped([n, d]).sum(axis: 1) * w).sum() / Float(max(n, 1))
        let yNorm = withoutGradients { y.square().reshaped([n, d]).sum(axis: 1).sqrt().mean().scalar }
        return DivergenceTerm(loss: loss, diagnostics: [("y_norm", yNorm)])
    }
}
