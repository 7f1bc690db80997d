import DIPPComponents
import DIPPNN
import DiffInstruct

/// Everything `dipp distill` / `dipp align` need; written to `config.json` in the run folder.
/// Each component is a ``ComponentSpec`` — a registry name, or an object with the name and that
/// component's options (`{"name": "sid", "alpha": 1.2}`) — built by ``Components``.
public struct RunConfiguration: Codable, Sendable, Equatable {
    /// Run folder of the `dipp pretrain` teacher (`model.json`, `teacher.safetensors`, `config.json`),
    /// or `diffusers:DIR`, a diffusers UNet2DModel imported as the teacher.
    public var teacher: String = "runs/digits"
    /// An imported teacher's data set, for evaluation ("" = the teacher's own samples); empty for
    /// a run folder, which names its own.
    public var data: String = ""
    /// The components below are names in the run's catalogue with their options (`dipp components`
    /// lists them; Configuration.md's tables are generated from it).
    /// A registered generator or a generator plugin `PATH.so`.
    public var generator: ComponentSpec = "one-step"
    /// A registered divergence.
    public var divergence: ComponentSpec = "ikl"
    /// A registered reward (`none` for Diff-Instruct), a resolver's name (`rm:RUN`, `linear:…`), a
    /// reward plugin `PATH.so` or a foreign function `ffi:…`.
    public var reward: ComponentSpec = "none"
    /// How the teacher is guided (a registered guidance); the scale is `algorithm.teacherGuidance`.
    public var guidance: ComponentSpec = "cfg"
    /// The TA's loss (a registered TA objective).
    public var assistantObjective: ComponentSpec = "edm"
    /// Where the TA starts: a copy of the teacher (Algorithm 3), or fresh weights of its architecture.
    public var assistantInitialisation: AssistantInitialisation = .teacher
    /// Keeps the generator's samples in the data's value range: `none`, `clamp` or `tanh`
    /// (``BoundedGenerator``). Reports warn when samples leave the range.
    public var generatorOutput: BoundedGenerator.Mode = .none
    /// Samples per class in the final report.
    public var reportPerClass: Int = 100
    /// Every this many steps, the EMA generator's `quality/…` metrics on `progressSamples`
    /// fixed samples go to the logs and TensorBoard (``QualityProbe``; 0 = never).
    public var progressEvery: Int = 100
    public var progressSamples: Int = 200
    /// The prompts DI++ draws from (uniformly) for a text-conditioned teacher; empty = the
    /// teacher's training captions (a uniform class, then a uniform caption of it).
    public var prompts: [String] = []
    /// The algorithm's settings.
    public var algorithm = DIPPConfiguration()

    public enum AssistantInitialisation: String, Codable, Sendable, CaseIterable, ConfigurationChoice {
        case teacher, random
    }

    public init() {}

    /// `dipp distill`'s defaults: no reward, and EDM's adaptive EMA (DI++ §A.2 distils with it;
    /// the fixed 0.95 is for alignment).
    public static var distillDefaults: RunConfiguration {
        var c = RunConfiguration()
        c.algorithm.emaDecay = 0
        return c
    }

    /// `dipp align`'s defaults: the classifier reward at `α_rew = 1`, generator learning rate 2e-5
    /// (the rate alignment and CFG 4.5 are stable at on digits; distillation uses 1e-4).
    public static var alignDefaults: RunConfiguration {
        var c = RunConfiguration()
        c.reward = "classifier"
        c.algorithm.rewardScale = 1
        c.algorithm.generatorLearningRate = 2e-5
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

extension Components {
    /// `c` with every component's options filled in from its registry (an unknown name or option
    /// is refused with its path): what `config.json` records and `--show-config` prints.
    public func normalized(_ c: RunConfiguration) throws -> RunConfiguration {
        var c = c
        c.generator = try generators.normalized(c.generator, path: "generator")
        c.divergence = try divergences.normalized(c.divergence, path: "divergence")
        c.reward = try rewards.normalized(c.reward, path: "reward")
        c.guidance = try guidance.normalized(c.guidance, path: "guidance")
        c.assistantObjective = try assistantObjectives.normalized(c.assistantObjective, path: "assistantObjective")
        return c
    }
}
