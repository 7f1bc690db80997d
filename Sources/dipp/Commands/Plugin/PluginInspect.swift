import ArgumentParser
import DIPPPlugins
import Foundation

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
