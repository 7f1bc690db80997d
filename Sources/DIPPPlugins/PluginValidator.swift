import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import Foundation

/// Checks a plugin against the ABI's contract — the verifier `dipp plugin validate` runs, and
/// one plugin authors can run on their own plugins.
///
/// ``validateInChildProcess(path:executable:timeout:)`` runs the checks in a child process
/// (`dipp plugin validate-child PATH`) with a time limit, so a plugin that crashes or hangs is
/// reported as such and the host survives; the child prints one line per check as it goes.
public enum PluginValidator {
    public struct Check: Sendable, Equatable {
        public let name: String
        public let passed: Bool
        public let detail: String

        /// The line format the child prints: `CHECK <name> PASS|FAIL <detail>`.
        public var line: String { "CHECK \(name) \(passed ? "PASS" : "FAIL") \(detail)" }

        init(_ name: String, _ passed: Bool, _ detail: String) {
            (self.name, self.passed, self.detail) = (name, passed, detail)
        }

        init?(line: String) {
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[0] == "CHECK", parts[2] == "PASS" || parts[2] == "FAIL" else { return nil }
            self.init(String(parts[1]), parts[2] == "PASS", parts.count > 3 ? String(parts[3]) : "")
        }
    }

    public struct Report: Sendable {
        public var checks: [Check]
        /// Set when the child crashed or timed out: which, and after which check.
        public var abnormalEnd: String?
        public var passed: Bool { abnormalEnd == nil && !checks.isEmpty && checks.allSatisfy(\.passed) }

        public var failures: [String] {
            checks.filter { !$0.passed }.map { "\($0.name): \($0.detail)" } + (abnormalEnd.map { [$0] } ?? [])
        }
    }

    /// Runs every check in this process, calling `emit` after each (the child's mode).
    public static func runChecks(path: String, emit: (Check) -> Void) {
        let library: PluginLibrary
        do {
            library = try PluginLibrary(path: path)
            emit(Check("load", true, "\(library.id) \(library.version), ABI 1.\(library.abiMinor)"))
        } catch let error as PluginError {
            emit(Check("load", false, "\(error.kind.rawValue): \(error.what)"))
            return
        } catch {
            emit(Check("load", false, "\(error)"))
            return
        }
        let refusesFuture = library.entryFunction(DIPP_ABI_MAJOR + 1) == nil
        emit(Check("negotiation", refusesFuture, refusesFuture ? "refuses ABI major \(DIPP_ABI_MAJOR + 1)" : "accepted an unknown ABI major \(DIPP_ABI_MAJOR + 1)"))
        let unknown = library.capability("dipp.no-such-capability/1")
        emit(Check("unknown-capability", unknown == nil, unknown == nil ? "NULL for an unknown id" : "returned a table for an unknown id"))
        let hasReward = library.capability(DIPP_REWARD_CAPABILITY) != nil, hasGenerator = library.capability(DIPP_GENERATOR_CAPABILITY) != nil
        guard hasReward || hasGenerator else {
            emit(Check("capabilities", false, "neither a \(DIPP_REWARD_CAPABILITY) nor a \(DIPP_GENERATOR_CAPABILITY) table"))
            return
        }
        if hasReward { rewardChecks(library, emit: emit) }
        if hasGenerator { generatorChecks(library, emit: emit) }
    }

    /// Emits a failed check for a thrown error; returns the value otherwise.
    static func attempt<T>(_ name: String, emit: (Check) -> Void, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let error as PluginError {
            emit(Check(name, false, "\(error.kind.rawValue): \(error.what)"))
        } catch {
            emit(Check(name, false, "\(error)"))
        }
        return nil
    }

    static func rewardChecks(_ library: PluginLibrary, emit: (Check) -> Void) {
        guard let reward = attempt("reward-table", emit: emit, { try PluginReward(library: library) }) else { return }
        emit(Check("reward-table", true, "sample shape \(reward.sampleShape)"))
        let rejects = reward.rawCall(batch: -1) != DIPP_OK
        emit(Check("rejects-bad-arguments", rejects, rejects ? "a negative batch size is refused" : "accepted a negative batch size"))
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

    static func generatorChecks(_ library: PluginLibrary, emit: (Check) -> Void) {
        guard let generator = attempt("generator-table", emit: emit, { try PluginGenerator(library: library, seed: 1) }) else { return }
        emit(Check("generator-table", true, "z \(generator.latentShape) → x \(generator.sampleShape), \(generator.classCount) classes, \(generator.params.count) parameters"))
        let theta = generator.params.storage
        var rng = RandomStream(seed: 11)
        let z = Tensor.randomNormal([4] + generator.latentShape, using: &rng)
        let labels = generator.classCount == 0 ? [Int](repeating: Conditions.nullLabel, count: 4)
            : [0, 1 % generator.classCount, generator.classCount - 1, Conditions.nullLabel]
        let int32Labels = labels.map(Int32.init)
        var refusals: [String] = []
        if generator.rawForward(batch: -1, label: 0) == DIPP_OK { refusals.append("accepted a negative batch size") }
        if generator.classCount > 0 && generator.rawForward(batch: 1, label: Int32(generator.classCount)) == DIPP_OK {
            refusals.append("accepted label \(generator.classCount) with class_count \(generator.classCount)")
        }
        emit(Check("rejects-bad-arguments", refusals.isEmpty, refusals.isEmpty ? "a negative batch size and an unknown label are refused" : refusals.joined(separator: "; ")))
        guard let again = attempt("init-params", emit: emit, { try PluginGenerator(library: library, seed: 1) }) else { return }
        let sameInit = again.params.storage == theta
        emit(Check("init-params", sameInit, sameInit ? "init_params(seed) is reproducible" : "init_params gave different θ for the same seed"))
        guard let first = attempt("finite-output", emit: emit, { try generator.forward(params: theta, z: z.storage, labels: int32Labels) }) else { return }
        emit(Check("finite-output", true, "samples finite"))
        let conditions = Conditions(labels: labels)
        let vjp = GradientCheck.check([generator.params, z], epsilon: 1e-2, absoluteTolerance: 1e-2, relativeTolerance: 2e-2, elementsPerInput: 200) {
            generator(params: $0[0], $0[1], conditions: conditions)
        }
        emit(Check("vjp", vjp.passed, vjp.passed ? "vᵀ∂x/∂θ and vᵀ∂x/∂z match central differences (\(vjp.checked) elements)" : "the VJP disagrees with central differences: \(vjp)"))
        if let second = try? generator.forward(params: theta, z: z.storage, labels: int32Labels) {
            let same = second == first
            emit(Check("deterministic", same || !generator.declaresDeterminism, same ? "same θ, z and c, same output" : "outputs differ between identical calls"))
        }
        if generator.threadSafety == DIPP_THREADS_SAFE.rawValue {
            let latents = z.storage
            let mismatches = stress(threads: 4, rounds: 50) { (try? generator.forward(params: theta, z: latents, labels: int32Labels)) == first }
            emit(Check("thread-stress", mismatches == 0, mismatches == 0 ? "4 threads × 50 concurrent calls agree" : "\(mismatches) concurrent calls disagreed"))
        }
    }

    /// Runs `call` from `threads` threads `rounds` times each; returns how many calls returned false.
    static func stress(threads: Int, rounds: Int, _ call: @escaping @Sendable () -> Bool) -> Int {
        let lock = NSLock()
        nonisolated(unsafe) var mismatches = 0
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<rounds where !call() {
                lock.lock(); mismatches += 1; lock.unlock()
            }
        }
        return mismatches
    }

    /// Runs the checks in a child process (`executable plugin validate-child PATH`) and waits at
    /// most `timeout` seconds; a crash or a hang ends the report instead of the host.
    public static func validateInChildProcess(path: String, executable: String, timeout: Double = 30) throws -> Report {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plugin", "validate-child", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var abnormal: String?
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            abnormal = "timeout: the plugin did not finish within \(Int(timeout)) s (an infinite loop or deadlock?)"
        } else if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            abnormal = "crash: the plugin killed the validator with signal \(signal)\(signal == SIGSEGV ? " (SIGSEGV, segmentation fault)" : "")"
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let checks = output.split(separator: "\n").compactMap { Check(line: String($0)) }
        if let end = abnormal, let last = checks.last { abnormal = "\(end), after check '\(last.name)'" }
        return Report(checks: checks, abnormalEnd: abnormal)
    }
}

extension PluginLibrary {
    /// Calls the entry symbol again with another major version (negotiation check).
    func entryFunction(_ major: UInt32) -> UnsafePointer<dipp_plugin_info>? {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD), let symbol = dlsym(handle, DIPP_PLUGIN_ENTRY_SYMBOL) else { return nil }
        return unsafeBitCast(symbol, to: dipp_plugin_entry_function.self)(major)
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

extension PluginGenerator {
    /// `forward` with the given batch size and label and valid buffers for one sample: the status.
    func rawForward(batch: Int64, label: Int32) -> dipp_status {
        var z = [Float](repeating: 0, count: latentCount), x = [Float](repeating: 0, count: sampleCount)
        var error = [CChar](repeating: 0, count: 256)
        return table.pointee.forward!(instance, params.storage, &z, [label], batch, &x, &error, error.count)
    }
}
