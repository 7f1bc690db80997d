import Foundation

/// The sidecar manifest (`dipp-plugin.json`) in a plugin's folder: what `dipp plugin list`
/// shows without loading — let alone running — the plugin's code.
public struct PluginManifest: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var version: String
    public var language: String
    /// The library's file name as built (`libSymmetryReward.so`).
    public var library: String
    public var capabilities: [String]

    public static let fileName = "dipp-plugin.json"

    /// A manifest from its JSON, or an error naming the file and the key.
    public static func decode(_ data: Data, source: String) throws -> PluginManifest {
        do {
            return try JSONDecoder().decode(PluginManifest.self, from: data)
        } catch {
            throw PluginError(.invalidManifest, location: source, what: "not a plugin manifest: \(error)",
                              hint: "a dipp-plugin.json has id, name, version, language, library and capabilities")
        }
    }

    /// Manifests found in `folders` and their immediate subfolders, with the folder each is in.
    public static func discover(in folders: [URL]) -> [(folder: URL, manifest: PluginManifest)] {
        var found: [(URL, PluginManifest)] = []
        for folder in folders {
            let children = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
            for candidate in [folder] + children.sorted(by: { $0.path < $1.path }) {
                let file = candidate.appendingPathComponent(fileName)
                guard let data = FileManager.default.contents(atPath: file.path),
                      let manifest = try? decode(data, source: file.path) else { continue }
                found.append((candidate, manifest))
            }
        }
        return found
    }
}
