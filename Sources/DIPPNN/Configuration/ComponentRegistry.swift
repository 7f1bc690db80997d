import DIPPTensor
import Foundation

/// Named components of one kind (generators, divergences, samplers, …): name → (Codable
/// options with defaults, factory). Configuration files choose a component with a
/// ``ComponentSpec``; ``make(_:context:path:)`` decodes its options strictly over the
/// registered defaults (an unknown option is an error naming `path.option`) and builds it.
///
/// Resolvers serve names that are not fixed in advance (plugin paths `PATH.so`, `ffi:…`): the
/// first resolver whose `matches` accepts a name builds it from the whole spec.
/// Registration is thread-safe; a later registration of a name replaces the earlier one.
public final class ComponentRegistry<Product, Context>: @unchecked Sendable {
    public struct Entry {
        public let name: String
        public let summary: String
        /// The options and their defaults, as JSON.
        public let defaults: [String: JSONValue]
        let build: (ComponentSpec, Context, String) throws -> Product
    }

    public struct Resolver {
        public let pattern: String
        public let summary: String
        /// Names the resolver builds without files of the user's (`utility:stroke-mass`): what the
        /// catalogue conformance check builds it with. Empty for names of files (`PATH.so`, `rm:RUN`).
        public let examples: [String]
        let matches: (String) -> Bool
        let build: (ComponentSpec, Context, String) throws -> Product
    }

    /// What this registry holds, for messages (`"divergence"`).
    public let kind: String
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private var resolvers: [Resolver] = []
    private let lock = NSLock()

    public init(kind: String) { self.kind = kind }

    /// Registers `name` with typed options (`defaults` are what an omitted option takes).
    public func register<Options: Codable>(_ name: String, summary: String, options defaults: Options,
                                           build: @escaping (Options, Context) throws -> Product) {
        var json: [String: JSONValue] = [:]
        if case .object(let o)? = try? JSONValue(encoding: defaults) { json = o }
        add(Entry(name: name, summary: summary, defaults: json) { spec, context, path in
            try build(Self.decodeOptions(spec, over: defaults, path: path), context)
        })
    }

    /// Registers `name` with no options.
    public func register(_ name: String, summary: String, build: @escaping (Context) throws -> Product) {
        register(name, summary: summary, options: NoOptions()) { _, context in try build(context) }
    }

    /// Registers a resolver for names matching `pattern` (documentation) / `matches` (the test);
    /// `examples` are names it builds with nothing but the run (for the conformance check).
    public func registerResolver(pattern: String, summary: String, examples: [String] = [], matches: @escaping (String) -> Bool,
                                 build: @escaping (ComponentSpec, Context, String) throws -> Product) {
        lock.withLock { resolvers.append(Resolver(pattern: pattern, summary: summary, examples: examples, matches: matches, build: build)) }
    }

    private func add(_ entry: Entry) {
        lock.withLock {
            if entries[entry.name] == nil { order.append(entry.name) }
            entries[entry.name] = entry
        }
    }

    /// Registered entries in registration order, then the resolvers.
    public var catalogue: (entries: [Entry], resolvers: [Resolver]) {
        lock.withLock { (order.compactMap { entries[$0] }, resolvers) }
    }

    /// The registered names, then the resolvers' patterns: what messages and help texts list.
    public var names: [String] {
        let c = catalogue
        return c.entries.map(\.name) + c.resolvers.map(\.pattern)
    }

    public func contains(_ name: String) -> Bool {
        lock.withLock { entries[name] != nil || resolvers.contains { $0.matches(name) } }
    }

    /// Builds the component `spec` names. `path` is where the spec sits in the configuration
    /// (`"divergence"`), for errors.
    public func make(_ spec: ComponentSpec, context: Context, path: String) throws -> Product {
        let (entry, resolver) = lock.withLock { (entries[spec.name], resolvers.first { $0.matches(spec.name) }) }
        if let entry { return try entry.build(spec, context, path) }
        if let resolver { return try resolver.build(spec, context, path) }
        throw unknownName(spec, path: path)
    }

    /// The spec with every option of a registered entry filled in from its defaults (resolver
    /// names are returned unchanged): what a run folder records.
    public func normalized(_ spec: ComponentSpec, path: String) throws -> ComponentSpec {
        guard let entry = lock.withLock({ entries[spec.name] }) else {
            guard contains(spec.name) else { throw unknownName(spec, path: path) }
            return spec
        }
        // Checked here rather than left to decoding: `ConfigurationFile` takes any key over an
        // empty default object (free-form maps) and a different single key as an enum case.
        for key in spec.options.keys where entry.defaults[key] == nil {
            throw Self.unknownOption(key, path: path, known: entry.defaults.keys.sorted())
        }
        return ComponentSpec(spec.name, options: entry.defaults.merging(spec.options) { _, user in user })
    }

    private func unknownName(_ spec: ComponentSpec, path: String) -> ConfigurationError {
        ConfigurationError(location: "configuration, key '\(path)'", what: "unknown \(kind) '\(spec.name)'",
                           hint: "one of: \(names.joined(separator: ", ")) (`dipp components` lists them with their options)")
    }

    static func unknownOption(_ key: String, path: String, known: [String]) -> ConfigurationError {
        ConfigurationError(location: "configuration, key '\(path).\(key)'", what: "unknown option",
                           hint: known.isEmpty ? "this component takes no options" : "known options here: \(known.joined(separator: ", "))")
    }

    /// Decodes `spec.options` over `defaults` strictly.
    public static func decodeOptions<Options: Codable>(_ spec: ComponentSpec, over defaults: Options, path: String) throws -> Options {
        let data = try JSONEncoder().encode(spec.options)
        return try ConfigurationFile.decode(data, over: defaults, source: "configuration", keyPrefix: path)
    }
}

/// The options of a component that has none.
public struct NoOptions: Codable, Sendable, Equatable {
    public init() {}
}
