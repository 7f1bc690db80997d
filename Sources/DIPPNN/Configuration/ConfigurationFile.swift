import DIPPTensor
import Foundation

/// Reads hand-written JSON configuration files strictly: every key is optional (missing keys
/// keep their documented defaults), and a key the configuration does not have is an error that
/// names it — a typo never silently falls back to a default.
///
/// How: the user's JSON object is merged over the JSON encoding of the defaults, and any user
/// key with no counterpart in the defaults is reported; the merged object is then decoded.
public enum ConfigurationFile {
    /// Decodes `data` (a JSON object) over `defaults`. `source` names the file in errors;
    /// `keyPrefix` is where the object sits inside it (`"divergence"` for a component's options).
    public static func decode<T: Codable>(_ data: Data, over defaults: T, source: String, keyPrefix: String = "") throws -> T {
        let user: Any
        do {
            user = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigurationError(location: source, what: "not valid JSON",
                                     hint: "configuration files are JSON objects, e.g. {\"steps\": 1000}", cause: error)
        }
        guard let userObject = user as? [String: Any] else {
            throw ConfigurationError(location: source, what: "the top level is not a JSON object",
                                     hint: "configuration files are JSON objects, e.g. {\"steps\": 1000}")
        }
        let base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(defaults))
        let merged = try merge(userObject, over: base, path: keyPrefix, source: source)
        do {
            return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let key = ([keyPrefix] + context.codingPath.map(\.stringValue)).filter { !$0.isEmpty }.joined(separator: ".")
            throw ConfigurationError(location: "\(source), key '\(key)'", what: "wrong type or value: \(context.debugDescription)",
                                     hint: "see Documentation/Configuration.md for each key's type")
        } catch let DecodingError.keyNotFound(missing, context) {
            let key = ([keyPrefix] + context.codingPath.map(\.stringValue)).filter { !$0.isEmpty }.joined(separator: ".")
            throw ConfigurationError(location: "\(source), key '\(key)'", what: "missing '\(missing.stringValue)'",
                                     hint: "see Documentation/Configuration.md for what this value needs")
        } catch {
            throw ConfigurationError(location: source, what: "cannot be decoded",
                                     hint: "see Documentation/Configuration.md", cause: error)
        }
    }

    /// Reads and decodes a file.
    public static func read<T: Codable>(_ path: String, over defaults: T) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(location: path, what: "cannot read the file", hint: "check the path")
        }
        return try decode(data, over: defaults, source: path)
    }

    /// Refuses to resume a run folder whose `config.json` differs from `configuration` in
    /// anything but what `allowedChanges` overwrites (e.g. the step count), naming each setting
    /// that differs. A folder without a checkpoint holds no training to lose (a run that failed
    /// before its first checkpoint): any configuration may start there afresh.
    public static func checkResumable<T: Codable & Equatable>(_ configuration: T, folder: URL, defaults: T,
                                                                allowedChanges: (inout T) -> Void) throws {
        let file = folder.appendingPathComponent("config.json")
        guard let existing = FileManager.default.contents(atPath: file.path), !CheckpointStore(folder: folder).steps().isEmpty else { return }
        var previous = try decode(existing, over: defaults, source: file.path)
        allowedChanges(&previous)
        var current = configuration
        allowedChanges(&current)
        guard previous == current else {
            let differing = (try? differences(previous, current)) ?? []
            let list = differing.prefix(8).map { "\($0.key): \($0.before) in the folder, \($0.after) now" }.joined(separator: "; ")
            throw ConfigurationError(location: file.path, what: "the run folder was started with a different configuration"
                                     + (list.isEmpty ? "" : " (\(list))"),
                                     hint: "resume with the same settings (only the step count may change), or choose a new --out folder")
        }
    }

    /// The key paths where the JSON forms of `a` and `b` differ, with both values as JSON.
    static func differences<T: Encodable>(_ a: T, _ b: T) throws -> [(key: String, before: String, after: String)] {
        func flatten(_ value: Any, _ path: String, into out: inout [String: String]) {
            if let object = value as? [String: Any], !object.isEmpty {
                for (key, child) in object { flatten(child, path.isEmpty ? key : "\(path).\(key)", into: &out) }
            } else {
                let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
                out[path] = data.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
        }
        var left: [String: String] = [:], right: [String: String] = [:]
        flatten(try JSONSerialization.jsonObject(with: JSONEncoder().encode(a), options: .fragmentsAllowed), "", into: &left)
        flatten(try JSONSerialization.jsonObject(with: JSONEncoder().encode(b), options: .fragmentsAllowed), "", into: &right)
        return Set(left.keys).union(right.keys).sorted().compactMap { key in
            left[key] == right[key] ? nil : (key, left[key] ?? "absent", right[key] ?? "absent")
        }
    }

    /// The strings that stand for non-finite numbers in the JSON files DIPP writes (a diverged
    /// run's metrics); JSON itself has none.
    public static let nonFiniteNumbers = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    /// Writes `value` as pretty, key-sorted JSON (the exact configuration a run used, a report),
    /// non-finite numbers as the strings of ``nonFiniteNumbers``.
    public static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let n = nonFiniteNumbers
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: n.positiveInfinity, negativeInfinity: n.negativeInfinity, nan: n.nan)
        try encoder.encode(value).write(to: url, options: .atomic)
    }

    static func merge(_ user: Any, over base: Any, path: String, source: String) throws -> Any {
        guard let userObject = user as? [String: Any], let baseObject = base as? [String: Any] else { return user }
        // An empty default object is a free-form map (`[String: Double]`, e.g. plugin
        // hyper-parameters): its keys are the user's; its values are type-checked on decoding.
        if baseObject.isEmpty { return user }
        // A component (``ComponentSpec``, an object with a "name"): a user value naming a
        // component replaces it whole; options alone are merged over it. Either way the
        // component's registry entry checks the option keys when it is built.
        if baseObject["name"] is String {
            if userObject["name"] != nil { return user }
            return baseObject.merging(userObject) { _, user in user }
        }
        // An enum with associated values encodes as {"case": {...}}: a user object naming a
        // different single case replaces it whole.
        if baseObject.count == 1, userObject.count == 1, baseObject.keys.first != userObject.keys.first {
            return user
        }
        var merged = baseObject
        for (key, value) in userObject {
            let here = path.isEmpty ? key : "\(path).\(key)"
            guard let baseValue = baseObject[key] else {
                throw ConfigurationError(location: "\(source), key '\(here)'", what: "unknown key",
                                         hint: "known keys here: \(baseObject.keys.sorted().joined(separator: ", "))")
            }
            merged[key] = try merge(value, over: baseValue, path: here, source: source)
        }
        return merged
    }
}


/// A closed set of named choices in a configuration file (`"weighting": "l2"`): decoding an
/// unknown name fails with the valid ones listed (`'uint' is not one of unit, l2, dmd`), which
/// the configuration error then shows with the key.
public protocol ConfigurationChoice: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension ConfigurationChoice {
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let choice = Self(rawValue: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(name)' is not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        self = choice
    }
}
