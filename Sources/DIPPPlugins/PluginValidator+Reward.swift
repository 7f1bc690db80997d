import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import Foundation

extension PluginValidator {
    /// The `dipp.reward/1` checks: table, refused bad arguments, finite outputs, ∇ₓr against
    /// central differences (every element), determinism, concurrent calls.
    static func rewardChecks(_ library: PluginLibrary, emit: (Check) -> Void) {
        guard let reward = attempt("reward-table", emit: emit, { try PluginReward(library: library) }) else { return }
        emit(Check("reward-table", true, "sample shape \(reward.sampleShape)"))
        var refusals: [String] = []
        if reward.rawCall(batch: -1) == DIPP_OK { refusals.append("accepted a negative batch size") }
        let bad = outOfRange(reward.hyperparameters)
        if let bad, (try? PluginReward(library: library, hyperparameters: bad.values)) != nil {
            refusals.append("create accepted \(bad.name) = \(bad.value), outside its declared range")
        }
        let tried = ["a negative batch size"] + (bad.map { ["\($0.name) = \($0.value)"] } ?? [])
        emit(Check("rejects-bad-arguments", refusals.isEmpty, refusals.isEmpty ? "refused: \(tried.joined(separator: ", "))" : refusals.joined(separator: "; ")))
        var rng = RandomStream(seed: 11)
        let x = Tensor.randomUniform([4] + reward.sampleShape, in: -1...1, using: &rng)
        let labels = [0, 1, 2, Conditions.nullLabel]
        guard let first = attempt("finite-output", emit: emit, { try reward.evaluate(x.storage, conditions: labels) }) else { return }
        emit(Check("finite-output", true, "rewards and gradients finite"))
        let gradient = GradientCheck.check([x], epsilon: 1e-2, absoluteTolerance: 1e-2, relativeTolerance: 2e-2) {
            reward.reward($0[0], conditions: Conditions(labels: labels))
        }
        emit(Check("gradient", gradient.passed, gradient.passed ? "∇r matches central differences (\(gradient.checked) elements)" : "∇r disagrees with central differences: \(gradient)"))
        if let second = try? reward.evaluate(x.storage, conditions: labels) {
            let same = second.rewards == first.rewards && second.gradients == first.gradients
            emit(Check("deterministic", same || !reward.declaresDeterminism, same ? "same input, same output" : "outputs differ between identical calls"))
        }
        if reward.threadSafety == DIPP_THREADS_SAFE.rawValue {
            let values = x.storage
            let mismatches = stress(threads: 4, rounds: 50) { (try? reward.evaluate(values, conditions: labels).rewards) == first.rewards }
            emit(Check("thread-stress", mismatches == 0, mismatches == 0 ? "4 threads × 50 concurrent calls agree" : "\(mismatches) concurrent calls disagreed"))
        }
    }
}

extension PluginReward {
    var declaresDeterminism: Bool { table.pointee.describe?()?.pointee.deterministic == 1 }
    var threadSafety: UInt32 { table.pointee.describe?()?.pointee.thread_safety ?? 0 }

    /// `reward_grad` with the given batch size and valid buffers for one sample: the status.
    func rawCall(batch: Int64) -> dipp_status {
        let d = sampleShape.reduce(1, *)
        var x = [Float](repeating: 0, count: d), r: [Float] = [0], g = [Float](repeating: 0, count: d)
        var error = [CChar](repeating: 0, count: 256)
        return table.pointee.reward_grad!(instance, &x, [0], batch, &r, &g, &error, error.count)
    }
}
