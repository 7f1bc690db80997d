import ArgumentParser
import DIPPComponents
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import Foundation

/// `dipp components`: every registered component with its options and defaults.
struct ListComponents: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "components",
                                                    abstract: "List every registered component (generators, divergences, rewards, samplers, …) with its options and defaults.")

    @Argument(help: ArgumentHelp("Only this kind.", valueName: CLI.components.listing.map(\.kind).joined(separator: "|"))) var kind: String?
    @Flag(help: "Print the catalogue as the Markdown tables of Documentation/Configuration.md.") var markdown = false
    @Option(help: "Rewrite the tables between <!-- components:begin --> and <!-- components:end --> in this file.") var update: String?

    func validate() throws {
        let kinds = CLI.components.listing.map(\.kind)
        if let kind, !kinds.contains(kind) {
            throw ValidationError("no component kind '\(kind)'. Valid kinds: \(kinds.joined(separator: ", "))")
        }
    }

    func run() throws {
        let components = CLI.components
        if let update {
            guard let text = try? String(contentsOfFile: update, encoding: .utf8) else {
                throw ConfigurationError(location: update, what: "cannot read the file", hint: "give the path of Documentation/Configuration.md")
            }
            guard let replaced = components.replacingListing(in: text) else {
                throw ConfigurationError(location: update, what: "no <!-- components:begin --> … <!-- components:end --> block",
                                         hint: "add the two markers where the tables belong")
            }
            try Data(replaced.utf8).write(to: URL(fileURLWithPath: update), options: .atomic)
            return
        }
        if markdown { print(components.markdown, terminator: ""); return }
        for group in components.listing where kind == nil || group.kind == kind {
            print("\(group.kind):")
            for entry in group.entries {
                print("  \(entry.name) — \(entry.summary)")
                if !entry.defaults.isEmpty { print("      options: \(jsonText(entry.defaults))") }
            }
            for (pattern, summary) in group.patterns { print("  \(pattern) — \(summary)") }
        }
    }
}
