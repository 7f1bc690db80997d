import ArgumentParser
import DIPPPlugins
import Foundation

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
