import DIPPDiffusion
import DIPPTensor

/// Score identity Distillation's Fisher-divergence loss (Zhou et al., 2024, eq. 8–10).
///
/// With `x = x₀ + σε`, `f_φ = D̃_ref(x; σ, c)` (guided teacher) and `f_ψ = D_ψ(x; σ, c)` (TA),
/// per sample:
/// `L = (f_φ − f_ψ)ᵀ[(f_φ − x₀) − α(f_φ − f_ψ)] / sg(mean_i |x₀ − f_φ|)`
///   `= [(1 − α)‖f_φ − f_ψ‖² + (f_φ − f_ψ)ᵀ(f_ψ − x₀)] / sg(…)`, averaged over the batch.
/// Unlike IKL, gradients flow through both frozen networks with respect to their input `x`
/// (the networks' weights are frozen by the trainer, `x` is not stop-gradient): SiD needs
/// input-gradients of the denoisers and costs about three times an IKL step.
/// `α = 1.2` by default (1.0 is also common). σ follows SiD's own code by default: the generator's
/// from the Karras ramp capped at `t_max = 800` (``NoiseDistribution/sid``), the TA's (SiD's fake
/// score, trained by EDM's loss) from EDM's log-normal (−1.2, 1.2) — not DI++'s log-normal.
/// The loss value oscillates around zero; watch sample quality (the runs' `quality/…` metrics),
/// not the loss.
public struct ScoreIdentity: Divergence, Codable, Sendable, Equatable {
    public var alpha: Float
    /// σ for the generator (SiD: ``NoiseDistribution/sid``, the Karras ramp capped at
    /// t_max = 800); replaces `algorithm.noise`. The option `noise`.
    public var sigmaDistribution: NoiseDistribution
    /// σ the TA is trained on (SiD: ``NoiseDistribution/edm``). The option `assistantNoise`.
    public var assistantSigmaDistribution: NoiseDistribution

    enum CodingKeys: String, CodingKey {
        case alpha
        case sigmaDistribution = "noise"
        case assistantSigmaDistribution = "assistantNoise"
    }

    public init(alpha: Float = 1.2, noise: NoiseDistribution = .sid, assistantNoise: NoiseDistribution = .edm) {
        self.alpha = alpha
        sigmaDistribution = noise
        assistantSigmaDistribution = assistantNoise
    }

    public var noise: NoiseDistribution? { sigmaDistribution }
    public var assistantNoise: NoiseDistribution? { assistantSigmaDistribution }

    public var name: String { "sid" }

    public func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm {
        let x = inputs.noisy
        let n = inputs.batchSize, d = x.count / Swift.max(n, 1)
        let teacher = inputs.teacherGuidance.denoise(inputs.teacher, x, sigma: inputs.sigma, conditions: inputs.conditions)
        let assistant = inputs.assistantGuidance.denoise(inputs.assistant, x, sigma: inputs.sigma, conditions: inputs.conditions)
        let gap = teacher - assistant
        let perSample = (gap * ((teacher - inputs.x0) - gap * alpha)).reshaped([n, d]).sum(axis: 1)
        let normaliser = withoutGradients {
            (inputs.x0.detached() - teacher.detached()).abs().reshaped([n, d]).mean(axis: 1)
                .clamped(min: 1e-8)
        }
        let loss = (perSample / normaliser).mean()
        let yNorm = withoutGradients {
            gap.detached().square().reshaped([n, d]).sum(axis: 1).sqrt().mean().scalar
        }
        return DivergenceTerm(loss: loss, diagnostics: [("y_norm", yNorm)])
    }
}
