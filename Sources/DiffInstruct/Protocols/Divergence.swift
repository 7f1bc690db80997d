import DIPPDiffusion
import DIPPTensor

/// What a divergence sees at one generator step: the generator's samples (on the tape), their
/// noise levels and noise, and the two score models with the guidance of each call site.
public struct DivergenceInputs {
    /// `x₀ = g_θ(z, c)`, `[N] + sampleShape`, tracked.
    public let x0: Tensor
    public let conditions: Conditions
    /// `σ` per sample, `[N]`.
    public let sigma: Tensor
    /// `ε ~ N(0, I)`, shaped like `x0`.
    public let noise: Tensor
    /// The frozen reference `D_ref` and its guidance (`D̃_ref`).
    public let teacher: any ScoreModel
    public let teacherGuidance: any Guidance
    /// The TA `D_ψ` (frozen during the generator step) and its guidance when evaluated.
    public let assistant: any ScoreModel
    public let assistantGuidance: any Guidance

    public init(x0: Tensor, conditions: Conditions, sigma: Tensor, noise: Tensor, teacher: any ScoreModel,
                teacherGuidance: any Guidance, assistant: any ScoreModel, assistantGuidance: any Guidance) {
        (self.x0, self.conditions, self.sigma, self.noise) = (x0, conditions, sigma, noise)
        (self.teacher, self.teacherGuidance, self.assistant, self.assistantGuidance) = (teacher, teacherGuidance, assistant, assistantGuidance)
    }

    /// `x = x₀ + σ·ε` (tracked through `x₀`).
    public var noisy: Tensor { x0 + noise * Noise.perSample(sigma, rank: x0.rank) }
    public var batchSize: Int { x0.shape[0] }
}

/// The generator's loss term of one divergence, and diagnostics to log.
public struct DivergenceTerm {
    /// Scalar loss whose gradient in θ is the divergence's gradient estimate.
    public let loss: Tensor
    /// Named scalars (e.g. `y_norm`, the mean per-sample ‖D_ψ − D̃_ref‖).
    public let diagnostics: [(String, Float)]

    public init(loss: Tensor, diagnostics: [(String, Float)]) {
        self.loss = loss
        self.diagnostics = diagnostics
    }
}

/// A divergence between the generator's noisy distribution and the reference's, turned into
/// the generator's loss term (the regulariser `β∫w(t) D(p_θ,t ‖ p_ref,t) dt` of DI++, eq. 3.6).
///
/// Contract: `generatorLoss` returns a scalar whose gradient with respect to the generator's
/// parameters (through `inputs.x0`) is an unbiased estimate of the divergence's gradient, with
/// the sign convention that gradient *descent* reduces the divergence. It must not update
/// anything. One self-contained file per implementation (`IKL.swift`, `SiD.swift`).
///
/// A divergence may carry its own noise levels (`noise`, which then replaces the configuration's
/// for the generator and, unless `assistantNoise` says otherwise, the TA — SiD trains its TA on
/// EDM's log-normal and draws the generator's σ from its ramp) and may not read the TA at all
/// (`usesAssistant`: SDS), in which case the trainer skips the TA updates.
public protocol Divergence {
    var name: String { get }
    func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm
    /// The σ distribution this divergence is defined with, or `nil` for the configuration's.
    var noise: NoiseDistribution? { get }
    /// The σ distribution the TA is trained on, or `nil` for the generator's (`noise`, else the
    /// configuration's).
    var assistantNoise: NoiseDistribution? { get }
    /// Whether `generatorLoss` reads the TA (default `true`).
    var usesAssistant: Bool { get }
}

extension Divergence {
    public var noise: NoiseDistribution? { nil }
    public var assistantNoise: NoiseDistribution? { nil }
    public var usesAssistant: Bool { true }
}
