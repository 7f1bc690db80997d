import Foundation

/// A component chosen in a configuration: `"sid"` or `{"name": "sid", "alpha": 1.2}` — the
/// registry name plus that component's own options (checked by its registry entry, so an
/// unknown option is refused with its full path).
public struct ComponentSpec: Codable, Sendable, Equatable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var name: String
    public var options: [String: JSONValue]

    public init(_ name: String, options: [String: JSONValue] = [:]) {
        self.name = name
        self.options = options
    }

    public init(stringLiteral name: String) { self.init(name) }

    public init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self.init(name)
            return
        }
        var fields = try decoder.singleValueContainer().decode([String: JSONValue].self)
        guard case .string(let name)? = fields.removeValue(forKey: "name") else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a component is a name or an object with a \"name\" string"))
        }
        self.init(name, options: fields)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(options.merging(["name": .string(name)]) { a, _ in a })
    }

    /// The same component with one option set (command-line flags use this).
    public func setting(_ key: String, _ value: JSONValue) -> ComponentSpec {
        var out = self
        out.options[key] = value
        return out
    }

    public var description: String {
        options.isEmpty ? name : "\(name) \(jsonText(options))"
    }
}

/// Any JSON value (component options, free-form settings).
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The JSON encoding of any encodable value.
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }
}
