import DIPPDiffusion
import DIPPNN

/// The DI++ algorithm's settings (Algorithm 3). Defaults follow the paper where it is
/// specific (Adam β = (0, 0.999) for both networks, generator EMA 0.95, one TA update per
/// generator update, ln σ ~ N(−2, 2²)). `α_rew`, `α_cfg` and both learning rates are
/// ``ScheduledScalar``s: a number, or a schedule over the generator step.
public struct DIPPConfiguration: Codable, Sendable, Equatable {
    /// Generator updates.
    public var steps: Int = 2000
    public var batchSize: Int = 256
    /// `K_TA`: TA updates before each generator update.
    public var assistantSteps: Int = 1
    /// `α_rew`: reward scale (0 = Diff-Instruct distillation).
    public var rewardScale: ScheduledScalar = 0
    /// `α_cfg` at the teacher; the TA's scales when evaluated and when trained (SiD-LSG).
    public var teacherGuidance: ScheduledScalar = 1
    public var assistantGuidance: Float = 1
    public var assistantTrainingGuidance: Float = 1
    /// Probability of dropping a TA training label to `∅` (needed only when a TA scale ≠ 1).
    public var assistantLabelDropout: Float = 0
    /// Noise levels, drawn per sample.
    public var noise: NoiseDistribution = .logNormal(mean: -2, std: 2, minimum: 0.002, maximum: 80)
    public var generatorLearningRate: ScheduledScalar = 1e-4
    public var assistantLearningRate: ScheduledScalar = 1e-4
    public var beta1: Float = 0
    public var beta2: Float = 0.999
    /// Global gradient-norm clip for the generator and the TA (0 = none).
    public var gradientClip: Float = 0
    /// Generator EMA: fixed decay when > 0, else EDM's half-life rule with `emaHalfLifeSamples`.
    public var emaDecay: Float = 0.95
    public var emaHalfLifeSamples: Double = 50_000
    public var checkpointEvery: Int = 500
    public var logEvery: Int = 10
    public var seed: UInt64 = 0

    public init() {}

    var emaSchedule: ExponentialMovingAverage.Schedule {
        emaDecay > 0 ? .fixed(decay: emaDecay) : .halfLife(images: emaHalfLifeSamples, rampUp: nil)
    }
}
