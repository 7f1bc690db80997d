import DIPPDiffusion
import DIPPTensor

/// `r(x) = kᵀx`: the closed-form test reward (its optimum shifts the generator by
/// `α_rew·k / E_σ[σ²/(s²+σ²)]` under unit weighting).
public struct LinearReward: RewardModel {
    public let direction: [Float]
    /// `linear`, or `linear:k1,k2,…` when the direction was given in the name.
    public let name: String

    public init(direction: [Float], name: String = "linear") { (self.direction, self.name) = (direction, name) }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let n = x.shape[0]
        return (x.reshaped([n, direction.count]) * Tensor(shape: [direction.count], storage: direction)).sum(axis: 1)
    }
}
