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
