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
    /// What `α_rew` multiplies: the raw reward, or the reward in units fixed from its gradient
    /// (``RewardNormalization``; the default measures them over the first
    /// `rewardNormalizationWarmup` steps and then holds them, so β of eq. 3.6 stays constant).
    public var rewardNormalization: RewardNormalization = .frozen
    /// `ρ` of the gradient normalisations, per √dimension: the reward's per-sample gradient norm is
    /// rescaled to `rewardGradientTarget·√d` (d = values per sample).
    public var rewardGradientTarget: Float = 0.022
    /// Generator steps over which ``RewardNormalization/frozen`` measures the reward's gradient.
    public var rewardNormalizationWarmup: Int = 50
    /// `α_cfg` at the teacher; the TA's scales when evaluated and when trained (SiD-LSG).
    public var teacherGuidance: ScheduledScalar = 1
    public var assistantGuidance: Float = 1
    public var assistantTrainingGuidance: Float = 1
    /// Probability of dropping a TA training label to `∅` (needed only when a TA scale ≠ 1).
    public var assistantLabelDropout: Float = 0
    /// Noise levels, drawn per sample, for divergences without their own (``Divergence/noise``;
    /// SiD carries SiD's).
    public var noise: NoiseDistribution = .diPlusPlus
    public var generatorLearningRate: ScheduledScalar = 1e-4
    public var assistantLearningRate: ScheduledScalar = 1e-4
    public var beta1: Float = 0
    public var beta2: Float = 0.999
    /// Global gradient-norm clip for the generator and the TA (0 = none).
    public var gradientClip: Float = 0
    /// Generator EMA: fixed decay when > 0 (DI++ alignment: 0.95), else EDM's adaptive rule
    /// (`dipp distill`, DI++ §A.2): half-life `emaHalfLifeSamples` images (EDM's 0.5 M), ramped
    /// up as `min(h, emaRampUp·images seen)` when `emaRampUp` > 0 — so a run under 10 M images
    /// (`h/emaRampUp`) never reaches `h`.
    public var emaDecay: Float = 0.95
    public var emaHalfLifeSamples: Double = 500_000
    public var emaRampUp: Double = 0.05
    public var checkpointEvery: Int = 500
    public var logEvery: Int = 10
    public var seed: UInt64 = 0
    /// Data-parallel jobs (`mpirun`): gradients are all-reduced in buckets of about this many
    /// bytes while the backward pass goes on; 0 all-reduces them once after it
    /// (Documentation/Scaling.md has both measured). No effect on one process.
    public var allReduceBucketBytes: Int = 0

    public init() {}

    public var emaSchedule: ExponentialMovingAverage.Schedule {
        emaDecay > 0 ? .fixed(decay: emaDecay) : .halfLife(images: emaHalfLifeSamples, rampUp: emaRampUp > 0 ? emaRampUp : nil)
    }
}

/// How `α_rew` is measured. The paper (eq. 3.10, Algorithm 3) adds `−α_rew·r(x₀)` per sample:
/// `none`. The other two rescale the reward by `ρ/ĝ`, `ĝ` a mean of the per-sample gradient norm
/// `‖∇ₓr(x₀)‖` and `ρ = rewardGradientTarget·√d`, so that at α_rew = 1 every reward pushes a
/// sample with a gradient of RMS `rewardGradientTarget` per value, whatever its units (a reward
/// scaled by k behaves identically). The factor is logged as `reward_normalizer`.
///
/// - `none`: the loss adds `−α_rew·mean r(x₀)` — α_rew is in the reward's own units, so the same
///   α_rew is weak for one reward and destructive for another.
/// - `frozen` (the default): `ĝ` is the plain mean over the first `rewardNormalizationWarmup`
///   generator steps, then held: a fixed change of units, so the run optimises eq. 3.6 at one β
///   and α_cfg : α_rew ratios keep their meaning (the reward's push fades as it saturates).
/// - `gradient`: `ĝ` is a running mean (EMA 0.99, bias-corrected) for the whole run. For a
///   saturating reward (a classifier's log p, a Bradley–Terry sigmoid) `ĝ` shrinks with the
///   gradient, so the push never fades: β drifts and the run no longer optimises eq. 3.6 at a
///   fixed β (`Documentation/Algorithm.md` measures the difference).
///
/// Both gradient modes refuse a reward whose gradient vanishes (`ĝ/√d` below 1e-9): the factor
/// would be unbounded.
public enum RewardNormalization: String, Codable, Sendable, CaseIterable, ConfigurationChoice {
    case none, frozen, gradient
}
