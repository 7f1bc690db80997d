import DIPPDiffusion
import DIPPTensor

/// `r(x) = kᵀx`: the closed-form test reward (its optimum shifts the generator by
/// `α_rew·k / E_σ[σ²/(s²+σ²)]` under unit weighting).
public struct LinearReward: RewardModel {
    public let direction: [Float]

    public init(direction: [Float]) { self.direction = direction }

    public var name: String { "linear" }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let n = x.shape[0]
        return (x.reshaped([n, direction.count]) * Tensor(shape: [direction.count], storage: direction)).sum(axis: 1)
    }
}
