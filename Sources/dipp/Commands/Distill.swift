import ArgumentParser
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPTensor
import DiffInstruct
import Foundation

/// Options shared by `dipp distill` and `dipp align`.
struct RunOptions: ParsableArguments {
    @Option(help: "JSON configuration file (unknown keys are rejected; see Documentation/Configuration.md).") var config: String?
    @Option(help: "Run folder of the `dipp pretrain` teacher.") var teacher: String?
    @Option(help: "Generator: one-step, mlp, or a dipp.generator/1 plugin PATH.so.") var generator: String?
    @Option(name: .customLong("generator-hyperparameter"), help: "A generator plugin's hyper-parameter, name=value (repeatable).")
    var generatorHyperparameters: [String] = []
    @Option(help: "Divergence: ikl or sid.") var divergence: String?
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

    func configuration(preset: String?, reward: String?, rewardScale: Float?) throws -> RunConfiguration {
        var c = try config.map { try ConfigurationFile.read($0, over: RunConfiguration()) } ?? RunConfiguration()
        if let name = preset {
            guard let p = Preset(rawValue: name) else {
                throw ValidationError("unknown preset '\(name)'. Hint: one of \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            p.apply(to: &c)
        }
        if let v = teacher { c.teacher = v }
        if let v = generator { c.generator = absolutePluginPath(v) }
        try c.generatorHyperparameters.merge(PluginHyperparameter.settings(generatorHyperparameters)) { $1 }
        if let v = divergence { c.divergence = v }
        if let v = weighting {
            guard let w = IntegralKL.Weighting(rawValue: v) else { throw ValidationError("--weighting must be unit, l2 or dmd") }
            c.weighting = w
        }
        if let v = cfg { c.algorithm.teacherGuidance = v }
        if let v = steps { c.algorithm.steps = v }
        if let v = batchSize { c.algorithm.batchSize = v }
        if let v = learningRate { c.algorithm.generatorLearningRate = v }
        if let v = assistantLearningRate { c.algorithm.assistantLearningRate = v }
        if let v = checkpointEvery { c.algorithm.checkpointEvery = v }
        if let v = seed { c.algorithm.seed = v }
        if let v = reward { c.reward = absolutePluginPath(v) }
        if let v = rewardScale { c.algorithm.rewardScale = v }
        return c
    }

    func execute(_ c: RunConfiguration, initialWeights: URL? = nil) throws {
        try compute.apply()
        let start = Date()
        let plugins = try loadPlugins(c)
        let run = try AlignmentRun(configuration: c, folder: URL(fileURLWithPath: out), initialWeights: initialWeights,
                                   generatorOverride: plugins.generator, rewardOverride: plugins.reward)
        try (run.generator as? PluginGenerator)?.checkCompatible(classCount: run.train.classCount)
        print("\(c.algorithm.rewardScale == 0 ? "distill" : "align"): \(c.generator) generator (\(run.generator.parameterCount) parameters), \(c.divergence)\(c.divergence == "ikl" ? "-\(c.weighting.rawValue)" : ""), CFG \(c.algorithm.teacherGuidance), α_rew \(c.algorithm.rewardScale)\(run.reward.map { " (\($0.name))" } ?? "") → \(out)")
        let report = try run.run { print($0) }
        print(report.summary)
        print(String(format: "done in %.1f s", Date().timeIntervalSince(start)))
    }
}

/// A plugin given on the command line as an absolute path, so that the run folder's
/// `config.json` still finds it from another working directory; other names unchanged.
func absolutePluginPath(_ name: String) -> String {
    guard RunConfiguration.isPlugin(name), !name.hasPrefix("ffi:") else { return name }
    return URL(fileURLWithPath: RunConfiguration.pluginPath(name)).standardizedFileURL.path
}

/// The plugin generator and reward a configuration names (`nil` for built-ins): generator and
/// reward plugins are `PATH.so` or `plugin:PATH.so`; a foreign function is
/// `ffi:PATH:DECLARATION[;grad=…]`. θ of a plugin generator starts from `init_params(seed)`.
func loadPlugins(_ c: RunConfiguration) throws -> (generator: (any Generator)?, reward: (any RewardModel)?) {
    var generator: (any Generator)?
    if RunConfiguration.isPlugin(c.generator) {
        generator = try PluginGenerator(library: PluginLibrary(path: RunConfiguration.pluginPath(c.generator)),
                                        settings: c.generatorHyperparameters, seed: c.algorithm.seed)
    }
    var reward: (any RewardModel)?
    if c.reward.hasPrefix("ffi:") {
        let foreign = try ForeignFunctionReward(spec: String(c.reward.dropFirst("ffi:".count)))
        if foreign.usesFiniteDifferences {
            print("note: \(foreign.name) has no gradient function; ∇r comes from central finite differences (2·n calls per sample)")
        }
        reward = foreign
    } else if RunConfiguration.isPlugin(c.reward) {
        reward = try PluginReward(library: PluginLibrary(path: RunConfiguration.pluginPath(c.reward)), settings: c.rewardHyperparameters)
    }
    return (generator, reward)
}

/// `dipp distill`: Diff-Instruct (α_rew = 0).
struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Distil the teacher into a one-step generator (Diff-Instruct: DI++ with α_rew = 0).")

    @OptionGroup var options: RunOptions

    func run() throws {
        try reportingErrors {
            var c = try options.configuration(preset: nil, reward: nil, rewardScale: nil)
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
    @Option(help: "Reward: classifier, mode-distance, linear:k1,k2,…, PATH.so (a dipp.reward/1 plugin), or ffi:PATH:'float f(const float *x, int64_t n)'[;grad=…].") var reward: String?
    @Option(name: .customLong("reward-hyperparameter"), help: "A reward plugin's hyper-parameter, name=value (repeatable).")
    var rewardHyperparameters: [String] = []
    @Option(help: "Reward scale α_rew.") var rewardScale: Float?
    @Option(help: "One of the paper's configurations: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")).") var preset: String?
    @Option(help: "Initialise the generator from this distilled run (its generator.safetensors).") var initFrom: String?

    func run() throws {
        try reportingErrors {
            var c = try options.configuration(preset: preset, reward: reward, rewardScale: rewardScale)
            try c.rewardHyperparameters.merge(PluginHyperparameter.settings(rewardHyperparameters)) { $1 }
            if c.reward == "none" { c.reward = "classifier" }
            if preset == nil && rewardScale == nil && c.algorithm.rewardScale == 0 { c.algorithm.rewardScale = 1 }
            try options.execute(c, initialWeights: initFrom.map { URL(fileURLWithPath: $0).appendingPathComponent("generator.safetensors") })
        }
    }
}
