import DIPPDiffusion
import DIPPTensor

extension Conformance {
    /// `RewardModel`: `[N]` finite rewards, `∇ₓr` against central differences, and batch
    /// independence (each sample's reward is the same alone as in the batch).
    public static func checkReward(_ reward: any RewardModel, samples x: Tensor, conditions: Conditions,
                                   tolerance: Float = 1e-4) -> [ConformanceResult] {
        let n = x.shape[0]
        let r = withoutGradients { reward.reward(x, conditions: conditions) }
        var results = shapeAndFinite(r, expected: [n], what: "r(x, c)")
        results.append(rewardGradient(reward, samples: x, conditions: conditions))
        results.append(rewardBatchIndependence(reward, samples: x, conditions: conditions, tolerance: tolerance))
        return results
    }

    /// Each sample's reward is the same alone as in the batch (within `tolerance`, relative).
    public static func rewardBatchIndependence(_ reward: any RewardModel, samples x: Tensor, conditions: Conditions,
                                               tolerance: Float = 1e-4) -> ConformanceResult {
        let batch = withoutGradients { reward.reward(x, conditions: conditions) }.storage
        let alone = (0..<x.shape[0]).map { i -> Float in
            let xi = x.indexSelect(axis: 0, indices: [i])
            return withoutGradients { reward.reward(xi, conditions: conditions.subset([i])) }.storage.first ?? .nan
        }
        let worst = zip(alone, batch).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? 0
        return ConformanceResult("batch-independent", worst <= tolerance,
                                 "largest relative difference between a sample alone and in the batch: \(worst)")
    }

    /// `∇ₓr` against central differences (what the plugin validator's `gradient` check runs).
    public static func rewardGradient(_ reward: any RewardModel, samples x: Tensor, conditions: Conditions) -> ConformanceResult {
        let check = GradientCheck.check([x], epsilon: 1e-2, absoluteTolerance: 1e-2, relativeTolerance: 2e-2) {
            reward.reward($0[0], conditions: conditions)
        }
        return ConformanceResult("gradient", check.passed,
                                 check.passed ? "∇r matches central differences (\(check.checked) elements)" : "∇r disagrees with central differences: \(check)")
    }
}
