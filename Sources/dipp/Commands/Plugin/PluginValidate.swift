import ArgumentParser
import DIPPPlugins
import Foundation

struct PluginValidate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate",
                                                    abstract: "Check a plugin against the ABI in a child process with a time limit; names each failed check.")
    @Argument(help: "Path of the plugin .so.") var path: String
    @Option(help: "Seconds one check may take before the plugin is taken for hung and killed (the whole validation may take longer).")
    var timeout: Double = PluginValidator.defaultCheckTimeout
    @Option(help: "Memory (data segment) the plugin may use, in MiB; more is diagnosed as unbounded allocation.")
    var memoryLimit: Int = PluginValidator.defaultMemoryLimitMiB

    func validate() throws {
        guard memoryLimit >= 1, timeout > 0, timeout.isFinite else {
            throw ValidationError("--memory-limit (MiB) and --timeout (seconds) must be positive")
        }
    }

    func run() throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let report = try PluginValidator.validateInChildProcess(path: path, executable: executable, timeout: timeout,
                                                                memoryLimitMiB: memoryLimit)
        for check in report.checks { print("\(check.passed ? "✔" : "✘") \(check.name): \(check.detail)") }
        if let end = report.abnormalEnd { print("✘ \(end)") }
        print(report.passed ? "PASS: \(path)" : "FAIL: \(path) — \(report.failures.count) problem(s)")
        if !report.passed { throw ExitCode.failure }
    }
}
