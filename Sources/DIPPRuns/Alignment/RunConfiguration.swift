import DIPPNN
import DiffInstruct

/// Everything `dipp distill` / `dipp align` need; written to `config.json` in the run folder.
/// Each component is a ``ComponentSpec`` — a registry name, or an object with the name and that
/// component's options (`{"name": "sid", "alpha": 1.2}`) — built by ``Components``.
public struct RunConfiguration: Codable, Sendable, Equatable {
    /// Run folder of the `dipp pretrain` teacher (`model.json`, `teacher.safetensors`, `config.json`).
    public var teacher: String = "runs/digits"
    /// `one-step` (`sigmaInit`), `mlp` (latent ≠ data size), or a generator plugin `PATH.so`
    /// (`hyperparameters`).
    public var generator: ComponentSpec = "one-step"
    /// `ikl` (`weighting`: unit, l2, dmd) or `sid` (`alpha`).
    public var divergence: ComponentSpec = "ikl"
    /// `none`, `classifier`, `mode-distance`, `linear` (`direction`) / `linear:k1,k2,…`, a reward
    /// plugin `PATH.so` (`hyperparameters`) or a foreign function `ffi:…`.
    public var reward: ComponentSpec = "none"
    /// How the teacher is guided: `cfg` or `cfg-interval`; the scale is `algorithm.teacherGuidance`.
    public var guidance: ComponentSpec = "cfg"
    /// The TA's loss: `edm`.
    public var assistantObjective: ComponentSpec = "edm"
    /// Where the TA starts: a copy of the teacher (Algorithm 3), or fresh weights of its architecture.
    public var assistantInitialisation: AssistantInitialisation = .teacher
    /// Keeps the generator's samples in the data's value range: `none`, `clamp` or `tanh`
    /// (``BoundedGenerator``). Reports warn when samples leave the range.
    public var generatorOutput: BoundedGenerator.Mode = .none
    /// Samples per class in the final report.
    public var reportPerClass: Int = 100
    /// The algorithm's settings.
    public var algorithm = DIPPConfiguration()

    public enum AssistantInitialisation: String, Codable, Sendable {
        case teacher, random
    }

    public init() {}

    /// `dipp align`'s defaults: the classifier reward at `α_rew = 1`.
    public static var alignDefaults: RunConfiguration {
        var c = RunConfiguration()
        c.reward = "classifier"
        c.algorithm.rewardScale = 1
        return c
    }
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
        configuration.algorithm.teacherGuidance = .constant(teacherGuidance)
        configuration.algorithm.rewardScale = .constant(rewardScale)
    }
}
