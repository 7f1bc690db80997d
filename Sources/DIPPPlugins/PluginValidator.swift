import CDIPPConfine
import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import Foundation

/// Checks a plugin against the ABI's contract — the verifier `dipp plugin validate` runs, and
/// one plugin authors can run on their own plugins.
///
/// ``validateInChildProcess(path:executable:timeout:memoryLimitMiB:)`` runs the checks in a child
/// process (`dipp plugin validate-child PATH`) with a time limit per check, so a plugin that
/// crashes or hangs is reported as such and the host survives; the child prints one line per
/// check as it goes.
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

    /// The child's data-segment limit: far above what the checks need (about 100 MiB), far
    /// below the machine's memory.
    public static let defaultMemoryLimitMiB = 2048

    /// Confines the child: a memory limit, and a crash handler that names a write past a guarded
    /// host buffer (`bounds`) or an allocation past the limit (`memory`) before the process dies.
    public static func confineThisProcess(memoryLimitMiB: Int) {
        _ = dipp_confine_memory(UInt64(memoryLimitMiB) << 20)
        dipp_install_crash_diagnosis()
    }

    /// Calls `body` with zeroed buffers that each end at a guard page (``confineThisProcess``
    /// names an access past one). Sizes are in floats.
    static func withGuardedBuffers<T>(_ sizes: [(name: StaticString, count: Int)], _ body: ([UnsafeMutablePointer<Float>]) -> T) -> T? {
        var buffers: [UnsafeMutableRawPointer] = []
        defer { buffers.forEach { dipp_guarded_free($0) } }
        for (name, count) in sizes {
            // A literal's bytes are NUL-terminated and live as long as the program.
            guard let p = dipp_guarded_alloc(max(count, 1) * 4, UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) else {
                return nil
            }
            buffers.append(p)
        }
        return body(buffers.map { $0.assumingMemoryBound(to: Float.self) })
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

    /// The defaults with the first bounded hyper-parameter set just outside its range (what
    /// `create` must refuse), or `nil` when none is bounded.
    static func outOfRange(_ declared: [PluginHyperparameter]) -> (values: [Double], name: String, value: Double)? {
        for (i, h) in declared.enumerated() {
            let bad = h.maximum.isFinite ? h.maximum + Swift.max(1, Swift.abs(h.maximum)) : h.minimum.isFinite ? h.minimum - Swift.max(1, Swift.abs(h.minimum)) : nil
            if let bad {
                var values = declared.map(\.defaultValue)
                values[i] = bad
                return (values, h.name, bad)
            }
        }
        return nil
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

    /// The default limit on one check, in seconds: a check that takes longer is taken for a
    /// hang. The limit is per check (the clock restarts with each check the child reports), so a
    /// slower CPU, one core or a busy machine lengthens the whole validation but not what counts
    /// as hung. The slowest shipped check (the NeRF generator's `vjp`, 528 renders) took 24 s on
    /// one AVX2 core and 48 s at half that core's speed (Documentation/Reliability.md): 120 s
    /// leaves 2.5× on a CPU half as fast.
    public static let defaultCheckTimeout: Double = 120

    /// Runs the checks in a child process (`executable plugin validate-child PATH`); a child that
    /// reports no further check for `timeout` seconds is killed and reported as hung, and a crash
    /// ends the report instead of the host.
    public static func validateInChildProcess(path: String, executable: String, timeout: Double = defaultCheckTimeout,
                                              memoryLimitMiB: Int = defaultMemoryLimitMiB) throws -> Report {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["plugin", "validate-child", path, "--memory-limit", String(memoryLimitMiB)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output = ChildOutput(pipe.fileHandleForReading)
        try process.run()
        try? pipe.fileHandleForWriting.close()
        var abnormal: String?
        while process.isRunning {
            if Date().timeIntervalSince(output.lastProgress) > timeout {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                abnormal = "timeout: a check did not finish within \(Int(timeout)) s (an infinite loop or deadlock?)"
                break
            }
            usleep(20_000)
        }
        if abnormal == nil && process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            abnormal = "crash: the plugin killed the validator with signal \(signal)\(signal == SIGSEGV ? " (SIGSEGV, segmentation fault)" : "")"
        }
        let checks = output.finish().split(separator: "\n").compactMap { Check(line: String($0)) }
        if let end = abnormal, let last = checks.last { abnormal = "\(end), after check '\(last.name)'" }
        return Report(checks: checks, abnormalEnd: abnormal)
    }
}

/// The child's standard output, read on a thread of its own as it arrives, with the time of
/// the last line (the child prints one line per check).
private final class ChildOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var last = Date()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock {
                    data.append(chunk)
                    if chunk.contains(UInt8(ascii: "\n")) { last = Date() }
                }
            }
            done.signal()
        }
    }

    /// When the child last completed a line (or was started).
    var lastProgress: Date { lock.withLock { last } }

    /// Everything the child wrote, once its end of the pipe closed — or, when something the
    /// plugin started still holds it open, what had arrived 5 s after the child ended.
    func finish() -> String {
        _ = done.wait(timeout: .now() + 5)
        return lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}

extension PluginLibrary {
    /// Calls the entry symbol again with another major version (negotiation check).
    func entryFunction(_ major: UInt32) -> UnsafePointer<dipp_plugin_info>? {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD), let symbol = dlsym(handle, DIPP_PLUGIN_ENTRY_SYMBOL) else { return nil }
        return unsafeBitCast(symbol, to: dipp_plugin_entry_function.self)(major)
    }
}
