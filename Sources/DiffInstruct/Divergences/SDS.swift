import DIPPDiffusion
import DIPPTensor

/// Score Distillation Sampling (DreamFusion, Poole et al., 2022) in DIPP's denoiser form: IKL
/// with the TA replaced by the identity `D_ψ(x) := x₀`.
///
/// Per sample, with `x = x₀ + σε`: `y = sg(x₀ − D̃_ref(x; σ, c))` (the ε-residual `ε̂ − ε`
/// times σ), `L = yᵀx` summed over dimensions and averaged over the batch (unit weighting).
/// It reads no TA, so the trainer skips the TA updates.
///
/// SDS is the baseline that shows why Diff-Instruct needs its TA: its fixed point is not the
/// teacher's distribution but its modes. For a Gaussian teacher `N(μ, s²I)` and a generator
/// `a + b·z`, `∂L/∂a = (a − μ)·κ` and `∂L/∂b = b·κ` per dimension with
/// `κ = E_σ[σ²/(s² + σ²)] > 0`: the mean moves to `μ` and the spread `b` shrinks to 0 whatever
/// `s` is (mode collapse; tested in `ClosedFormTests`).
public struct ScoreDistillationSampling: Divergence, Codable, Sendable, Equatable {
    public init() {}

    public var name: String { "sds" }
    public var usesAssistant: Bool { false }

    public func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm {
        let x = inputs.noisy
        let n = inputs.batchSize, d = x.count / max(n, 1)
        let y = withoutGradients {
            inputs.x0.detached() - inputs.teacherGuidance.denoise(inputs.teacher, x.detached(), sigma: inputs.sigma,
                                                                  conditions: inputs.conditions)
        }
        let loss = (x * y).sum() / Float(max(n, 1))
        let yNorm = withoutGradients { y.square().reshaped([n, d]).sum(axis: 1).sqrt().mean().scalar }
        return DivergenceTerm(loss: loss, diagnostics: [("y_norm", yNorm)])
    }
}
