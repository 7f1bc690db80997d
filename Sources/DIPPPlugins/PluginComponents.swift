import DIPPComponents
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// Plugins as components: resolvers that turn `PATH.so` (or `plugin:PATH.so`) generator and
/// reward names and `ffi:PATH:DECLARATION` reward names into loaded plugins, so configuration
/// files and flags name plugins exactly as they name built-ins.
///
/// Options (`{"name": "/abs/libX.so", "hyperparameters": {"weight": 2}}`): the plugin's
/// hyper-parameters by name, checked against its declared ranges; a plugin generator's θ starts
/// from `init_params(seed)` with the run's seed.
public enum PluginComponents {
    public struct Options: Codable, Sendable, Equatable {
        public var hyperparameters: [String: Double] = [:]
        public init() {}
    }

    /// Whether a component name is a plugin path rather than a built-in name.
    public static func isPluginPath(_ name: String) -> Bool { name.hasPrefix("plugin:") || name.hasSuffix(".so") }

    /// The library path of a plugin component name, absolute (resolved against the current
    /// folder, as every path on the command line is), `plugin:` prefix removed.
    public static func libraryPath(_ name: String) -> String {
        let path = name.hasPrefix("plugin:") ? String(name.dropFirst("plugin:".count)) : name
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Adds the plugin resolvers to `components`.
    public static func register(in components: Components) {
        components.generators.registerResolver(pattern: "PATH.so", summary: "a dipp.generator/1 plugin (options: hyperparameters)",
                                               matches: isPluginPath) { spec, context, path in
            let o = try ComponentRegistry<any Generator, RunContext>.decodeOptions(spec, over: Options(), path: path)
            let generator = try PluginGenerator(library: PluginLibrary(path: libraryPath(spec.name)), settings: o.hyperparameters,
                                                seed: context.seed)
            try generator.checkCompatible(classCount: context.train.classCount)
            return generator
        }
        components.rewards.registerResolver(pattern: "PATH.so", summary: "a dipp.reward/1 plugin (options: hyperparameters)",
                                            matches: isPluginPath) { spec, _, path in
            let o = try ComponentRegistry<(any RewardModel)?, RunContext>.decodeOptions(spec, over: Options(), path: path)
            return try PluginReward(library: PluginLibrary(path: libraryPath(spec.name)), settings: o.hyperparameters)
        }
        components.rewards.registerResolver(pattern: "ffi:PATH:DECLARATION[;grad=DECLARATION]",
                                            summary: "an exported C function called through libffi",
                                            matches: { $0.hasPrefix("ffi:") }) { spec, _, path in
            guard spec.options.isEmpty else {
                throw ConfigurationError(location: "configuration, key '\(path)'", what: "a foreign-function reward takes no options",
                                         hint: "put everything in the name: ffi:PATH:DECLARATION[;grad=DECLARATION]")
            }
            return try ForeignFunctionReward(spec: String(spec.name.dropFirst("ffi:".count)))
        }
    }

}

extension Components {
    /// This catalogue with the plugin resolvers added (`dipp` uses `Components.standard().withPlugins()`).
    @discardableResult
    public func withPlugins() -> Components {
        PluginComponents.register(in: self)
        return self
    }
}
