import ArgumentParser
import DIPPNN
import DIPPPlugins
import DIPPRuns
import Foundation

/// `dipp components`: every registered component with its options and defaults.
struct ListComponents: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "components",
                                                    abstract: "List every registered component (generators, divergences, rewards, samplers, …) with its options and defaults.")

    @Argument(help: "Only this kind (e.g. divergence, sampler).") var kind: String?

    func run() throws {
        let listing = PluginComponents.standard().listing
        let shown = listing.filter { kind == nil || $0.kind == kind }
        guard !shown.isEmpty else {
            throw ValidationError("no component kind '\(kind!)'. Hint: one of \(listing.map(\.kind).joined(separator: ", "))")
        }
        for group in shown {
            print("\(group.kind):")
            for entry in group.entries {
                print("  \(entry.name) — \(entry.summary)")
                if !entry.defaults.isEmpty { print("      options: \(jsonText(entry.defaults))") }
            }
            for (pattern, summary) in group.patterns { print("  \(pattern) — \(summary)") }
        }
    }
}
