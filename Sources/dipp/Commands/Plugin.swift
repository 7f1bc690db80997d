import ArgumentParser
import DIPPPlugins
import Foundation

/// `dipp plugin …`: inspect and validate run-time plugins.
struct Plugin: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect and validate run-time plugins (.so).",
        subcommands: [PluginList.self, PluginInspect.self, PluginValidate.self, PluginNew.self, PluginValidateChild.self]
    )
}

struct PluginList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list",
                                                    abstract: "List plugins from their dipp-plugin.json manifests (no plugin code is loaded).")
    @Argument(help: "Folders to search (and their subfolders).") var folders: [String] = ["Plugins"]

    func run() throws {
        let found = PluginManifest.discover(in: folders.map { URL(fileURLWithPath: $0) })
        guard !found.isEmpty else { print("no plugins found in \(folders.joined(separator: ", "))"); return }
        for (folder, m) in found {
            print("\(m.id) \(m.version) [\(m.language)] \(m.capabilities.joined(separator: ", ")) — \(m.name)\n    \(folder.path) → \(m.library)")
        }
    }
}

struct PluginInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show a plugin's descriptor (loads it in this process).")
    @Argument(help: "Path of the plugin .so.") var path: String

    func run() throws {
        try reportingErrors {
            let library = try PluginLibrary(path: path)
            print("\(library.id) — \(library.name) \(library.version) (ABI 1.\(library.abiMinor))")
            if library.capability("dipp.reward/1") != nil {
                let reward = try PluginReward(library: library)
                print("  dipp.reward/1: \(reward.descriptorName), samples \(reward.sampleShape)")
                printHyperparameters(reward.hyperparameters)
            }
            if library.capability("dipp.generator/1") != nil {
                let generator = try PluginGenerator(library: library)
                print("  dipp.generator/1: \(generator.descriptorName), z \(generator.latentShape) → x \(generator.sampleShape), "
                      + "\(generator.classCount) classes, \(generator.params.count) parameters with the defaults")
                printHyperparameters(generator.hyperparameters)
            }
        }
    }
}

func printHyperparameters(_ list: [PluginHyperparameter]) {
    for h in list { print("    \(h.name) = \(h.defaultValue) in [\(h.minimum), \(h.maximum)]: \(h.description)") }
}

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

/// The child side of `validate` (runs the plugin's code; may crash or hang).
struct PluginValidateChild: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate-child", abstract: "Internal: run the checks in this process.",
                                                    shouldDisplay: false)
    @Argument var path: String
    @Option(help: "Data-segment limit in MiB.") var memoryLimit: Int = PluginValidator.defaultMemoryLimitMiB

    func run() throws {
        PluginValidator.confineThisProcess(memoryLimitMiB: memoryLimit)
        // Unbuffered, one line per check: a crash later still leaves the earlier results.
        PluginValidator.runChecks(path: path) { FileHandle.standardOutput.write(Data(($0.line + "\n").utf8)) }
    }
}
