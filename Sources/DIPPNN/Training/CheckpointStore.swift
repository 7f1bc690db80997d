import DIPPTensor
import Foundation

/// Numbered checkpoints in a run folder: `checkpoint-00001000.safetensors`, each holding every
/// tensor of the training state plus string metadata (step, RNG positions, …).
///
/// Writes are atomic (temporary file, then rename), so a run interrupted at any moment leaves
/// the previous checkpoints intact and ``latest()`` always finds a complete one.
public struct CheckpointStore: Sendable {
    public let folder: URL
    /// How many checkpoints to keep (older ones are deleted after a successful write).
    public var keep: Int

    public init(folder: URL, keep: Int = 3) {
        self.folder = folder
        self.keep = keep
    }

    public func url(step: Int) -> URL {
        folder.appendingPathComponent(String(format: "checkpoint-%08d.safetensors", step))
    }

    /// Steps of the checkpoints present, ascending.
    public func steps() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("checkpoint-"), name.hasSuffix(".safetensors") else { return nil }
            return Int(name.dropFirst("checkpoint-".count).dropLast(".safetensors".count))
        }.sorted()
    }

    /// Saves the state of `step`; prunes old checkpoints.
    public func save(step: Int, tensors: [String: Tensor], metadata: [String: String]) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var meta = metadata
        meta["step"] = String(step)
        try SafeTensors.write(tensors, metadata: meta, to: url(step: step))
        for old in steps().dropLast(keep) { try? FileManager.default.removeItem(at: url(step: old)) }
    }

    /// The newest checkpoint, or `nil` when there is none.
    public func latest() throws -> (step: Int, contents: SafeTensors.Contents)? {
        guard let step = steps().last else { return nil }
        return (step, try SafeTensors.read(contentsOf: url(step: step)))
    }
}

extension SafeTensors.Contents {
    /// A metadata value, or an error naming the checkpoint and the key.
    public func metadataValue(_ key: String, source: String) throws -> String {
        guard let value = metadata[key] else {
            throw ConfigurationError(location: "\(source), metadata '\(key)'", what: "missing from the checkpoint",
                                     hint: "the checkpoint was not written by this version of DIPP; start a new run folder")
        }
        return value
    }

    /// An integer metadata value (a corrupt one is an error, never silently 0).
    public func metadataInteger(_ key: String, source: String) throws -> Int {
        let text = try metadataValue(key, source: source)
        guard let value = Int(text) else {
            throw ConfigurationError(location: "\(source), metadata '\(key)'", what: "'\(text)' is not an integer",
                                     hint: "the checkpoint is corrupt; delete it to resume from the previous one")
        }
        return value
    }

    /// A JSON-encoded metadata value.
    public func metadataJSON<T: Decodable>(_ key: String, as type: T.Type, source: String) throws -> T {
        let text = try metadataValue(key, source: source)
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw ConfigurationError(location: "\(source), metadata '\(key)'", what: "cannot be decoded",
                                     hint: "the checkpoint is corrupt; delete it to resume from the previous one")
        }
    }

    /// Tensors whose names start with `prefix`, with the prefix removed.
    public func tensors(prefixed prefix: String) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: tensors.compactMap { name, t in
            name.hasPrefix(prefix) ? (String(name.dropFirst(prefix.count)), t) : nil
        })
    }
}

/// JSON text of an encodable value (for checkpoint metadata).
public func jsonText<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
}
