import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

extension PluginValidator {
    /// The `dipp.reward/1` checks: table, refused bad arguments, finite outputs, the 1.0 entry
    /// point of a 1.1 plugin, `Conformance`'s gradient (∇ₓr against central differences, every
    /// element) and batch-independence checks, determinism, concurrent calls.
    static func rewardChecks(_ library: PluginLibrary, emit: (Check) -> Void) {
        guard let reward = attempt("reward-table", emit: emit, { try PluginReward(library: library) }) else { return }
        emit(Check("reward-table", true, "sample shape \(reward.sampleShape), reads \(reward.conditionNeeds) (ABI 1.\(library.abiMinor))"))
        // First call of all, into guarded buffers: a write past one is reported, not a corrupted heap.
        emit(boundsCheck(reward))
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
        let conditions = checkConditions(labels: labels, needs: reward.conditionNeeds, rng: &rng)
        guard let first = attempt("finite-output", emit: emit, { try reward.evaluate(x.storage, conditions: conditions) }) else { return }
        emit(Check("finite-output", true, "rewards and gradients finite" + (reward.readsAllConditions ? " (with \(reward.conditionNeeds))" : "")))
        if reward.readsAllConditions {
            let legacy = legacyCall(reward, x.storage, labels: labels)
            emit(Check("labels-only-path", legacy == nil, legacy ?? "the ABI 1.0 entry point (labels only) answers too"))
        }
        for result in [Conformance.rewardGradient(reward, samples: x, conditions: conditions),
                       Conformance.rewardBatchIndependence(reward, samples: x, conditions: conditions)] {
            emit(Check(result.check, result.passed, result.detail))
        }
        if let second = try? reward.evaluate(x.storage, conditions: conditions) {
            let same = second.rewards == first.rewards && second.gradients == first.gradients
            emit(Check("deterministic", same || !reward.declaresDeterminism, same ? "same input, same output" : "outputs differ between identical calls"))
        }
        if reward.threadSafety == DIPP_THREADS_SAFE.rawValue {
            let values = x.storage
            let mismatches = stress(threads: 4, rounds: 50) { (try? reward.evaluate(values, conditions: conditions).rewards) == first.rewards }
            emit(Check("thread-stress", mismatches == 0, mismatches == 0 ? "4 threads × 50 concurrent calls agree" : "\(mismatches) concurrent calls disagreed"))
        }
    }
}

extension PluginValidator {
    /// Labels plus, for a plugin that reads them, random text embeddings and cameras (a null
    /// sample keeps its text, marked null, as CFG's null branch does).
    static func checkConditions(labels: [Int], needs: PluginConditionNeeds, rng: inout RandomStream) -> Conditions {
        let n = labels.count
        let text = needs.textDimension > 0
            ? TextEmbedding(dimension: needs.textDimension, pooled: rng.normal(n * needs.textDimension)) : nil
        let camera = needs.cameraDimension > 0
            ? CameraPose(dimension: needs.cameraDimension, values: rng.normal(n * needs.cameraDimension)) : nil
        return Conditions(count: n, labels: labels, text: text, camera: camera, isNull: labels.map { $0 == Conditions.nullLabel })
    }

    /// A 1.1 reward through its 1.0 entry point: `nil` when it answers with finite values.
    static func legacyCall(_ reward: PluginReward, _ x: [Float], labels: [Int]) -> String? {
        var r = [Float](repeating: 0, count: labels.count), g = [Float](repeating: 0, count: x.count)
        var error = [CChar](repeating: 0, count: 256)
        let status = reward.table.pointee.reward_grad!(reward.instance, x, labels.map(Int32.init), Int64(labels.count), &r, &g, &error, error.count)
        guard status == DIPP_OK else { return "reward_grad (labels only) failed with status \(status.rawValue): \(pluginMessage(error))" }
        return (r + g).allSatisfy(\.isFinite) ? nil : "reward_grad (labels only) returned NaN or Inf"
    }
}

extension PluginValidator {
    /// `reward_grad` (and `reward_grad_conditions`) on 4 samples with every host buffer ending
    /// at a guard page; an access past one dies with a `bounds` line from the crash handler.
    static func boundsCheck(_ reward: PluginReward) -> Check {
        let d = reward.sampleShape.reduce(1, *), n = 4
        let labels: [Int32] = [0, 1, 2, -1]
        var error = [CChar](repeating: 0, count: 256)
        let status = withGuardedBuffers([("x", n * d), ("rewards", n), ("gradients", n * d)]) { b -> dipp_status in
            for i in 0..<(n * d) { b[0][i] = Float(i % 7) / 7 - 0.5 }
            let t = reward.table.pointee
            var status = t.reward_grad!(reward.instance, b[0], labels, Int64(n), b[1], b[2], &error, error.count)
            if status == DIPP_OK, PluginABI.hasConditions(t) {
                var rng = RandomStream(seed: 3)
                let conditions = checkConditions(labels: labels.map(Int.init), needs: reward.conditionNeeds, rng: &rng)
                status = PluginABI.withConditions(conditions, labels: labels) {
                    t.reward_grad_conditions!(reward.instance, b[0], $0, b[1], b[2], &error, error.count)
                }
            }
            return status
        }
        guard let status else { return Check("bounds", false, "the validator could not map guarded buffers") }
        return Check("bounds", status == DIPP_OK,
                     status == DIPP_OK ? "writes stay inside the host's x, rewards and gradients buffers"
                                       : "reward_grad on 4 samples failed with status \(status.rawValue): \(pluginMessage(error))")
    }
}

extension PluginReward {
    var declaresDeterminism: Bool { descriptor.deterministic == 1 }
    var threadSafety: UInt32 { descriptor.thread_safety }

    /// `reward_grad` with the given batch size and valid buffers for one sample: the status.
    func rawCall(batch: Int64) -> dipp_status {
        let d = sampleShape.reduce(1, *)
        var x = [Float](repeating: 0, count: d), r: [Float] = [0], g = [Float](repeating: 0, count: d)
        var error = [CChar](repeating: 0, count: 256)
        return table.pointee.reward_grad!(instance, &x, [0], batch, &r, &g, &error, error.count)
    }
}
