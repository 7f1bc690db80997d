import DIPPNN
import DIPPText
import Foundation

/// The text encoders known by name. Loaded encoders are kept for the process (MiniLM's weights
/// are 90 MB), so a teacher run, its DI++ run and their evaluations share one.
public enum TextEncoders {
    public struct Context: Sendable {}

    public static let registry: ComponentRegistry<TextEncoder, Context> = {
        let r = ComponentRegistry<TextEncoder, Context>(kind: "text encoder")
        r.register(MiniLM.identifier, summary: "all-MiniLM-L6-v2 sentence embeddings (384-d; files from Scripts/install-text-encoder)") { _ in
            try MiniLM.load()
        }
        return r
    }()

    nonisolated(unsafe) private static var loaded: [String: TextEncoder] = [:]
    private static let lock = NSLock()

    /// The encoder named `name` (loaded once per process).
    public static func load(_ name: String) throws -> TextEncoder {
        try lock.withLock {
            if let encoder = loaded[name] { return encoder }
            guard registry.contains(name) else {
                throw ConfigurationError(location: "textEncoder '\(name)'", what: "unknown text encoder",
                                         hint: "choose one of: \(registry.catalogue.entries.map(\.name).joined(separator: ", "))")
            }
            let encoder = try registry.make(ComponentSpec(name), context: Context(), path: "textEncoder")
            loaded[name] = encoder
            return encoder
        }
    }
}
