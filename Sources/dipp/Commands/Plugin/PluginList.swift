import ArgumentParser
import DIPPPlugins
import Foundation

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
