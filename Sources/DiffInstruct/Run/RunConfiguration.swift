import DIPPNN

/// Everything `dipp distill` / `dipp align` need; written to `config.json` in the run folder.
/// Components are chosen by name (a small registry, as threestudio does).
public struct RunConfiguration: Codable, Sendable, Equatable {
    /// Run folder of the `dipp pretrain` teacher (`model.json`, `teacher.safetensors`, `config.json`).
    public var teacher: String = "runs/digits"
    /// `one-step` (the teacher at σ_init, initialised from it), `mlp` (latent ≠ data size), or a
    /// `dipp.generator/1` plugin: `PATH.so` (or `plugin:PATH.so`), resolved by the caller.
    public var generator: String = "one-step"
    /// A generator plugin's hyper-parameters by name (unset ones take their defaults).
    public var generatorHyperparameters: [String: Double] = [:]
    public var sigmaInit: Float = 2.5
    public var mlpGenerator = MLPGenerator.Configuration()
    /// `ikl` or `sid`.
    public var divergence: String = "ikl"
    /// IKL weighting: `unit`, `l2` or `dmd`.
    public var weighting: IntegralKL.Weighting = .unit
    /// SiD's α.
    public var sidAlpha: Float = 1.2
    /// `none`, `classifier` (log p(c|x) of the in-project classifier), `mode-distance` (2-D),
    /// `linear:k1,k2,…`, or a plugin (`PATH.so`, `plugin:PATH.so`, `ffi:…`) resolved by the caller.
    public var reward: String = "none"
    /// A reward plugin's hyper-parameters by name (unset ones take their defaults).
    public var rewardHyperparameters: [String: Double] = [:]
    /// Samples per class in the final report.
    public var reportPerClass: Int = 100
    /// The algorithm's settings.
    public var algorithm = DIPPConfiguration()

    public init() {}

    /// Whether a component name is a plugin path rather than a built-in name.
    public static func isPlugin(_ name: String) -> Bool { name.hasPrefix("plugin:") || name.hasSuffix(".so") }

    /// The library path of a plugin component name (`plugin:` prefix removed).
    public static func pluginPath(_ name: String) -> String { name.hasPrefix("plugin:") ? String(name.dropFirst("plugin:".count)) : name }
}

/// The paper's five (α_cfg, α_rew) configurations (Table 1).
public enum Preset: String, CaseIterable, Sendable {
    case cfg1Rew0 = "cfg1-rew0", cfg1Rew1 = "cfg1-rew1", cfg45Rew0 = "cfg4.5-rew0", cfg45Rew1 = "cfg4.5-rew1", cfg45Rew10 = "cfg4.5-rew10"

    public var teacherGuidance: Float { rawValue.hasPrefix("cfg4.5") ? 4.5 : 1 }
    public var rewardScale: Float {
        switch self {
        case .cfg1Rew0, .cfg45Rew0: 0
        case .cfg1Rew1, .cfg45Rew1: 1
        case .cfg45Rew10: 10
        }
    }

    /// Applies the preset's scales to `configuration`.
    public func apply(to configuration: inout RunConfiguration) {
        configuration.algorithm.teacherGuidance = teacherGuidance
        configuration.algorithm.rewardScale = rewardScale
    }
}
