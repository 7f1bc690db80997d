import ArgumentParser
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation

/// Options shared by `dipp distill` and `dipp align`. Flags override the configuration file,
/// which overrides the command's defaults (`align`: the classifier reward at α_rew = 1).
struct RunOptions: ParsableArguments {
    @Option(help: "JSON configuration file (unknown keys are rejected; see Documentation/Configuration.md).") var config: String?
    @Option(help: "Run folder of the `dipp pretrain` teacher.") var teacher: String?
    @Option(help: "Generator: one-step, mlp, or a dipp.generator/1 plugin PATH.so (`dipp components` lists them).") var generator: String?
    @Option(name: .customLong("generator-hyperparameter"), help: "A generator plugin's hyper-parameter, name=value (repeatable).")
    var generatorHyperparameters: [String] = []
    @Option(help: "Divergence: ikl or sid (or one registered by a library user).") var divergence: String?
    @Option(help: "IKL weighting: unit, l2 or dmd.") var weighting: String?
    @Option(help: "Teacher CFG scale α_cfg.") var cfg: Float?
    @Option(help: "Generator updates.") var steps: Int?
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "Generator learning rate.") var learningRate: Float?
    @Option(help: "TA learning rate.") var assistantLearningRate: Float?
    @Option(help: "Steps between checkpoints.") var checkpointEvery: Int?
    @Option(help: "Seed.") var seed: UInt64?
    @Option(help: "Run folder (checkpoints, logs, samples, report).") var out: String
    @OptionGroup var compute: ComputeOptions

    func configuration(defaults: RunConfiguration, preset: String?, reward: String?, rewardHyperparameters: [String] = [],
                       rewardScale: Float?) throws -> RunConfiguration {
        var c = try config.map { try ConfigurationFile.read($0, over: defaults) } ?? defaults
        if let name = preset {
            guard let p = Preset(rawValue: name) else {
                throw ValidationError("unknown preset '\(name)'. Hint: one of \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            p.apply(to: &c)
        }
        if let v = teacher { c.teacher = v }
        if let v = generator { c.generator = renamed(c.generator, to: absolutePluginPath(v)) }
        c.generator = try withHyperparameters(c.generator, generatorHyperparameters)
        if let v = divergence { c.divergence = renamed(c.divergence, to: v) }
        if let v = weighting { c.divergence = c.divergence.setting("weighting", .string(v)) }
        if let v = cfg { c.algorithm.teacherGuidance = .constant(v) }
        if let v = steps { c.algorithm.steps = v }
        if let v = batchSize { c.algorithm.batchSize = v }
        if let v = learningRate { c.algorithm.generatorLearningRate = .constant(v) }
        if let v = assistantLearningRate { c.algorithm.assistantLearningRate = .constant(v) }
        if let v = checkpointEvery { c.algorithm.checkpointEvery = v }
        if let v = seed { c.algorithm.seed = v }
        if let v = reward { c.reward = renamed(c.reward, to: absolutePluginPath(v)) }
        c.reward = try withHyperparameters(c.reward, rewardHyperparameters)
        if let v = rewardScale { c.algorithm.rewardScale = .constant(v) }
        return c
    }

    /// The component `name`, keeping the current options when the name is unchanged.
    func renamed(_ spec: ComponentSpec, to name: String) -> ComponentSpec { spec.name == name ? spec : ComponentSpec(name) }

    /// `--…-hyperparameter name=value` flags merged into the component's `hyperparameters` option.
    func withHyperparameters(_ spec: ComponentSpec, _ flags: [String]) throws -> ComponentSpec {
        guard !flags.isEmpty else { return spec }
        var values: [String: JSONValue] = [:]
        if case .object(let existing)? = spec.options["hyperparameters"] { values = existing }
        for (name, value) in try PluginHyperparameter.settings(flags) { values[name] = .number(value) }
        return spec.setting("hyperparameters", .object(values))
    }

    func execute(_ c: RunConfiguration, initialWeights: URL? = nil) throws {
        try compute.apply()
        let start = Date()
        let run = try AlignmentRun(configuration: c, folder: URL(fileURLWithPath: out), components: PluginComponents.standard(),
                                   initialWeights: initialWeights)
        let a = run.configuration.algorithm
        print("\(a.rewardScale.isAlwaysZero ? "distill" : "align"): \(run.configuration.generator.name) generator (\(run.generator.parameterCount) parameters), "
              + "\(run.configuration.divergence), CFG \(a.teacherGuidance), α_rew \(a.rewardScale)\(run.reward.map { " (\($0.name))" } ?? "") → \(out)")
        if let foreign = run.reward as? ForeignFunctionReward, foreign.usesFiniteDifferences {
            print("note: \(foreign.name) has no gradient function; ∇r comes from central finite differences (2·n calls per sample)")
        }
        let report = try run.run { print($0) }
        print(report.summary)
        print(String(format: "done in %.1f s", Date().timeIntervalSince(start)))
    }
}

/// A plugin given on the command line as an absolute path, so that the run folder's
/// `config.json` still finds it from another working directory; other names unchanged.
func absolutePluginPath(_ name: String) -> String {
    PluginComponents.isPluginPath(name) ? PluginComponents.libraryPath(name) : name
}

/// `dipp distill`: Diff-Instruct (α_rew = 0).
struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Distil the teacher into a one-step generator (Diff-Instruct: DI++ with α_rew = 0).")

    @OptionGroup var options: RunOptions

    func run() throws {
        try reportingErrors {
            var c = try options.configuration(defaults: RunConfiguration(), preset: nil, reward: nil, rewardScale: nil)
            c.algorithm.rewardScale = 0
            c.reward = "none"
            try options.execute(c)
        }
    }
}

/// `dipp align`: DI++ with a reward.
struct Align: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Align a generator with a reward by DI++ (reward + IKL/SiD regularisation + CFG).")

    @OptionGroup var options: RunOptions
    @Option(help: "Reward: classifier (default), mode-distance, linear:k1,k2,…, PATH.so (a dipp.reward/1 plugin), or ffi:PATH:'float f(const float *x, int64_t n)'[;grad=…].") var reward: String?
    @Option(name: .customLong("reward-hyperparameter"), help: "A reward plugin's hyper-parameter, name=value (repeatable).")
    var rewardHyperparameters: [String] = []
    @Option(help: "Reward scale α_rew (default 1).") var rewardScale: Float?
    @Option(help: "One of the paper's configurations: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")).") var preset: String?
    @Option(help: "Initialise the generator from this distilled run (its generator.safetensors).") var initFrom: String?

    func run() throws {
        try reportingErrors {
            let c = try options.configuration(defaults: .alignDefaults, preset: preset, reward: reward,
                                              rewardHyperparameters: rewardHyperparameters, rewardScale: rewardScale)
            try options.execute(c, initialWeights: initFrom.map { URL(fileURLWithPath: $0).appendingPathComponent("generator.safetensors") })
        }
    }
}
