import DIPPDiffusion
import DIPPTensor

/// A differentiable score of preference `r(x, c)` (higher is better).
///
/// Contract: `x` is `[N] + sampleShape`; the result is `[N]` and differentiable in `x` through
/// the tape (a built-in network, or a custom node whose VJP supplies `∇ₓ r` — plugins and
/// foreign functions). The optimizer maximises `α_rew·mean r`.
public protocol RewardModel {
    /// A short name for logs.
    var name: String { get }
    /// `r(x, c)` per sample.
    func reward(_ x: Tensor, conditions: Conditions) -> Tensor
    /// The per-sample shape the reward is written for, when it has one (plugins declare it);
    /// runs refuse a reward whose shape does not fit the data. Default: `nil` (any shape).
    var expectedSampleShape: [Int]? { get }
}

// MARK: - Default implementations

extension RewardModel {
    public var expectedSampleShape: [Int]? { nil }

    /// `r(x, c)` and `∇ₓ r(x, c)` (one backward pass).
    public func rewardAndGradient(_ x: Tensor, conditions: Conditions) -> (reward: [Float], gradient: Tensor) {
        let input = Tensor(shape: x.shape, storage: x.storage, requiresGrad: true)
        let r = reward(input, conditions: conditions)
        return (r.storage, Tensor.gradients(of: r, withRespectTo: [input])[0])
    }

    /// Mean reward of samples, without gradients.
    public func meanReward(_ x: Tensor, conditions: Conditions) -> Float {
        withoutGradients { reward(x, conditions: conditions).mean().scalar }
    }
}
