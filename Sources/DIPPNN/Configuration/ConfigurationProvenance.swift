import DIPPTensor
import Foundation

/// Where each value of a resolved configuration came from — `dipp … --show-config`.
///
/// A configuration is built in stages (the command's defaults, then a file, a preset, the flags);
/// each stage is recorded as a snapshot. A value's source is the last stage that named its key
/// explicitly (a file's keys, a flag) or, failing that, the last stage that changed it; values no
/// stage touched are `default`.
public struct ConfigurationProvenance {
    public struct Entry: Equatable, Sendable {
        public let key: String
        public let value: String
        public let source: String
    }

    private var stages: [(name: String, leaves: [String: String], explicit: Set<String>)] = []

    public init() {}

    /// Records the configuration after a stage. `explicit`: the keys the stage named (dotted
    /// paths; a key names every value below it), or `nil` to find them by difference.
    public mutating func record<T: Encodable>(_ stage: String, _ value: T, explicit: Set<String>? = nil) throws {
        do {
            stages.append((stage, try Self.leaves(value), explicit ?? []))
        } catch EncodingError.invalidValue(let bad, let context) {
            // A flag given `nan` or `inf` (JSON, and so a run's config.json, holds neither).
            let key = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw ConfigurationError(location: "configuration, key '\(key)' (\(stage))", what: "\(bad) is not a finite number",
                                     hint: "give a finite value")
        }
    }

    /// The first two stages every command has: records `defaults`, then reads the configuration
    /// `file` (if any) over them and records it with the keys it names. Returns the result.
    public mutating func start<T: Codable>(defaults: T, file: String?) throws -> T {
        try record("default", defaults)
        guard let file else { return defaults }
        let read = try ConfigurationFile.read(file, over: defaults)
        try record("file \(file)", read, explicit: FileManager.default.contents(atPath: file).map(Self.keys(ofJSON:)))
        return read
    }

    /// Every value of the last snapshot, sorted by key, with its source.
    public var entries: [Entry] {
        guard let last = stages.last else { return [] }
        return last.leaves.keys.sorted().map { key in
            var source = stages.first?.name ?? "default"
            for i in stages.indices.dropFirst() {
                let named = stages[i].explicit.contains { key == $0 || key.hasPrefix($0 + ".") }
                if named || stages[i].leaves[key] != stages[i - 1].leaves[key] { source = stages[i].name }
            }
            return Entry(key: key, value: last.leaves[key]!, source: source)
        }
    }

    /// `key = value   (source)` lines, aligned.
    public var text: String {
        let rows = entries
        let width = rows.map { $0.key.count + $0.value.count }.max() ?? 0
        return rows.map { row in
            row.key + " = " + row.value + String(repeating: " ", count: max(1, width - row.key.count - row.value.count + 2)) + "(\(row.source))"
        }.joined(separator: "\n") + "\n"
    }

    /// The dotted paths of every leaf in a JSON object (a user's configuration file).
    public static func keys(ofJSON data: Data) -> Set<String> { Set(leaves(ofJSON: data).keys) }

    /// The leaves of a JSON object by dotted path (arrays are one leaf); empty if not JSON.
    public static func leaves(ofJSON data: Data) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) else { return [:] }
        var out: [String: String] = [:]
        flatten(object, path: "") { out[$0] = $1 }
        return out
    }

    /// The leaves of `value`'s JSON encoding by dotted path (arrays are one leaf).
    static func leaves<T: Encodable>(_ value: T) throws -> [String: String] {
        leaves(ofJSON: try JSONEncoder().encode(value))
    }

    private static func flatten(_ value: Any, path: String, _ emit: (String, String) -> Void) {
        if let object = value as? [String: Any], !object.isEmpty {
            for (key, child) in object { flatten(child, path: path.isEmpty ? key : "\(path).\(key)", emit) }
            return
        }
        let text: String
        if let string = value as? String {
            text = string
        } else if value is NSNull {
            text = "null"
        } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = "\(value)"
        }
        emit(path, text)
    }
}
