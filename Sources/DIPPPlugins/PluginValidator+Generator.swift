import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

extension PluginValidator {
    /// The `dipp.generator/1` checks: table, refused bad arguments, reproducible `init_params`,
    /// finite outputs, `Conformance`'s VJP check (200 random elements of θ, 64 of z),
    /// determinism, the `dipp.field/1` queries when the plugin answers them, concurrent calls.
    static func generatorChecks(_ library: PluginLibrary, emit: (Check) -> Void) {
        guard let generator = attempt("generator-table", emit: emit, { try PluginGenerator(library: library, seed: 1) }) else { return }
        emit(Check("generator-table", true, "z \(generator.latentShape) → x \(generator.sampleShape), \(generator.classCount) classes, \(generator.params.count) parameters, reads \(generator.conditionNeeds) (ABI 1.\(library.abiMinor))"))
        let theta = generator.params.storage
        var rng = RandomStream(seed: 11)
        let z = Tensor.randomNormal([4] + generator.latentShape, using: &rng)
        let labels = generator.classCount == 0 ? [Int](repeating: Conditions.nullLabel, count: 4)
            : [0, 1 % generator.classCount, generator.classCount - 1, Conditions.nullLabel]
        let conditions = checkConditions(labels: labels, needs: generator.conditionNeeds, rng: &rng)
        emit(boundsCheck(generator, conditions: conditions))
        var refusals: [String] = []
        if generator.rawForward(batch: -1, label: 0) == DIPP_OK { refusals.append("accepted a negative batch size") }
        if generator.classCount > 0 && generator.rawForward(batch: 1, label: Int32(generator.classCount)) == DIPP_OK {
            refusals.append("accepted label \(generator.classCount) with class_count \(generator.classCount)")
        }
        let bad = outOfRange(generator.hyperparameters)
        if let bad, (try? PluginGenerator(library: library, hyperparameters: bad.values)) != nil {
            refusals.append("create accepted \(bad.name) = \(bad.value), outside its declared range")
        }
        let tried = ["a negative batch size"] + (generator.classCount > 0 ? ["label \(generator.classCount)"] : [])
            + (bad.map { ["\($0.name) = \($0.value)"] } ?? [])
        emit(Check("rejects-bad-arguments", refusals.isEmpty, refusals.isEmpty ? "refused: \(tried.joined(separator: ", "))" : refusals.joined(separator: "; ")))
        guard let again = attempt("init-params", emit: emit, { try PluginGenerator(library: library, seed: 1) }) else { return }
        let sameInit = again.params.storage == theta
        emit(Check("init-params", sameInit, sameInit ? "init_params(seed) is reproducible" : "init_params gave different θ for the same seed"))
        guard let first = attempt("finite-output", emit: emit, { try generator.forward(params: theta, z: z.storage, conditions: conditions) }) else { return }
        emit(Check("finite-output", true, "samples finite"))
        let vjp = Conformance.checkGenerator(generator, conditions: conditions, parameterElements: 200).filter { $0.check.hasPrefix("vjp") }
        emit(Check("vjp", vjp.allPassed, vjp.allPassed ? "vᵀ∂x/∂θ and vᵀ∂x/∂z match central differences (Conformance.checkGenerator)"
                                                       : "the VJP disagrees with central differences: \(vjp.failures)"))
        if let second = try? generator.forward(params: theta, z: z.storage, conditions: conditions) {
            let same = second == first
            emit(Check("deterministic", same || !generator.declaresDeterminism, same ? "same θ, z and c, same output" : "outputs differ between identical calls"))
        }
        if generator.answersFieldQueries { emit(fieldCheck(generator, rng: &rng)) }
        if generator.threadSafety == DIPP_THREADS_SAFE.rawValue {
            let latents = z.storage
            let mismatches = stress(threads: 4, rounds: 50) { (try? generator.forward(params: theta, z: latents, conditions: conditions)) == first }
            emit(Check("thread-stress", mismatches == 0, mismatches == 0 ? "4 threads × 50 concurrent calls agree" : "\(mismatches) concurrent calls disagreed"))
        }
    }
}

extension PluginValidator {
    /// `dipp.field/1`: at 256 random points of the box, σ ≥ 0 and colours in [0, 1], finite,
    /// the same for the same θ.
    static func fieldCheck(_ generator: PluginGenerator, rng: inout RandomStream) -> Check {
        let points = rng.uniform(3 * 256, in: -1...1)
        do {
            let (density, colour) = try generator.field(at: points)
            let valid = density.allSatisfy { $0 >= 0 } && colour.allSatisfy { (0...1).contains($0) }
            let same = try generator.field(at: points) == (density, colour)
            return Check("field", valid && same, !valid ? "density below 0 or colour outside [0, 1]"
                         : same ? "dipp.field/1: σ ≥ 0, colours in [0, 1], finite and reproducible at 256 points" : "field queries differ between identical calls")
        } catch {
            return Check("field", false, "\(error)")
        }
    }

    /// `forward` and `backward` with every host buffer (θ, z, x, v, both gradients) ending at a
    /// guard page; an access past one dies with a `bounds` line from the crash handler.
    static func boundsCheck(_ generator: PluginGenerator, conditions: Conditions) -> Check {
        let n = conditions.count, (latents, samples, count) = (generator.latentCount, generator.sampleCount, generator.params.count)
        let labels = generator.labels(conditions)
        var error = [CChar](repeating: 0, count: 256)
        let status = withGuardedBuffers([("params", count), ("z", n * latents), ("x", n * samples), ("v", n * samples),
                                         ("params_grad", count), ("z_grad", n * latents)]) { b -> dipp_status in
            generator.params.storage.withUnsafeBufferPointer { b[0].update(from: $0.baseAddress!, count: count) }
            for i in 0..<(n * latents) { b[1][i] = Float(i % 5) / 5 - 0.4 }
            for i in 0..<(n * samples) { b[3][i] = 1 }
            let t = generator.table.pointee, useConditions = PluginABI.hasConditions(t)
            let forward = useConditions
                ? PluginABI.withConditions(conditions, labels: labels) { t.forward_conditions!(generator.instance, b[0], b[1], $0, b[2], &error, error.count) }
                : t.forward!(generator.instance, b[0], b[1], labels, Int64(n), b[2], &error, error.count)
            guard forward == DIPP_OK else { return forward }
            return useConditions
                ? PluginABI.withConditions(conditions, labels: labels) {
                    t.backward_conditions!(generator.instance, b[0], b[1], $0, b[3], b[4], b[5], &error, error.count)
                }
                : t.backward!(generator.instance, b[0], b[1], labels, Int64(n), b[3], b[4], b[5], &error, error.count)
        }
        guard let status else { return Check("bounds", false, "the validator could not map guarded buffers") }
        return Check("bounds", status == DIPP_OK,
                     status == DIPP_OK ? "reads and writes stay inside the host's θ, z, x, v and gradient buffers"
                                       : "forward/backward on \(n) samples failed with status \(status.rawValue): \(pluginMessage(error))")
    }
}

extension PluginGenerator {
    /// `forward` with the given batch size and label and valid buffers for one sample: the status.
    func rawForward(batch: Int64, label: Int32) -> dipp_status {
        var z = [Float](repeating: 0, count: latentCount), x = [Float](repeating: 0, count: sampleCount)
        var error = [CChar](repeating: 0, count: 256)
        return table.pointee.forward!(instance, params.storage, &z, [label], batch, &x, &error, error.count)
    }
}
