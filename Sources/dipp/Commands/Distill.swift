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
    static var defaults: RunConfiguration { .distillDefaults }

    @Option(help: "JSON configuration file (unknown keys are rejected; see Documentation/Configuration.md and --show-config).")
    var config: String?
    @Option(help: "Run folder of the `dipp pretrain` teacher (default: \(Self.defaults.teacher)).") var teacher: String?
    @Option(help: "Generator: one-step, mlp, or a dipp.generator/1 plugin PATH.so (default: \(Self.defaults.generator.name); `dipp components` lists them).")
    var generator: String?
    @Option(name: .customLong("generator-hyperparameter"), help: "A generator plugin's hyper-parameter, name=value (repeatable).")
    var generatorHyperparameters: [String] = []
    @Option(help: "Divergence: ikl, sid or sds (default: \(Self.defaults.divergence.name)).") var divergence: String?
    @Option(help: "IKL weighting: unit, l2 or dmd (default: unit).") var weighting: String?
    @Option(help: "Teacher CFG scale α_cfg (default: \(Self.defaults.algorithm.teacherGuidance), no guidance).") var cfg: Float?
    @Option(help: "Generator updates (default: \(Self.defaults.algorithm.steps)).") var steps: Int?
    @Option(help: "Batch size (default: \(Self.defaults.algorithm.batchSize)).") var batchSize: Int?
    @Option(help: "Text-conditioned teachers: a file of prompts (one per line) to train on instead of the teacher's captions.")
    var prompts: String?
    @Option(help: "Generator learning rate (default: distill \(Self.defaults.algorithm.generatorLearningRate), align \(RunConfiguration.alignDefaults.algorithm.generatorLearningRate): distilling from the teacher's weights is stable at 1e-4; aligning, and CFG 4.5, need 2e-5).")
    var learningRate: Float?
    @Option(help: "TA learning rate (default: \(Self.defaults.algorithm.assistantLearningRate)).") var assistantLearningRate: Float?
    @Option(help: "Steps between checkpoints (default: \(Self.defaults.algorithm.checkpointEvery)).") var checkpointEvery: Int?
    @Option(help: "Seed (default: \(Self.defaults.algorithm.seed)).") var seed: UInt64?
    @Option(help: "Run folder (checkpoints, logs, samples, report).") var out: String
    @Flag(help: "Print every setting of the resolved configuration with where it came from (default, file, preset, flag), then exit.")
    var showConfig = false
    @OptionGroup var compute: ComputeOptions

    func configuration(defaults: RunConfiguration, preset: String?, reward: String?, rewardHyperparameters: [String] = [],
                       rewardScale: Float?) throws -> RunConfiguration {
        var provenance = ConfigurationProvenance()
        return try configuration(defaults: defaults, preset: preset, reward: reward, rewardHyperparameters: rewardHyperparameters,
                                 rewardScale: rewardScale, provenance: &provenance)
    }

    /// The configuration from the command's defaults, then `--config`, then `--preset`, then the
    /// flags; `provenance` records each stage (for `--show-config`).
    func configuration(defaults: RunConfiguration, preset: String?, reward: String?, rewardHyperparameters: [String] = [],
                       rewardScale: Float?, provenance: inout ConfigurationProvenance) throws -> RunConfiguration {
        var c = try provenance.start(defaults: defaults, file: config)
        if let name = preset {
            guard let p = Preset(rawValue: name) else {
                throw ValidationError("unknown preset '\(name)'. Hint: one of \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            p.apply(to: &c)
            try provenance.record("preset \(name)", c, explicit: ["algorithm.teacherGuidance", "algorithm.rewardScale"])
        }
        var flags = FlagStage()
        flags.set(teacher, "teacher") { c.teacher = $0 }
        flags.set(generator, "generator") { c.generator = renamed(c.generator, to: absolutePluginPath($0)) }
        flags.name("generator.hyperparameters", given: !generatorHyperparameters.isEmpty)
        c.generator = try withHyperparameters(c.generator, generatorHyperparameters)
        flags.set(divergence, "divergence.name") { c.divergence = renamed(c.divergence, to: $0) }
        flags.set(weighting, "divergence.weighting") { c.divergence = c.divergence.setting("weighting", .string($0)) }
        flags.set(cfg, "algorithm.teacherGuidance") { c.algorithm.teacherGuidance = .constant($0) }
        flags.set(steps, "algorithm.steps") { c.algorithm.steps = $0 }
        flags.set(batchSize, "algorithm.batchSize") { c.algorithm.batchSize = $0 }
        flags.set(learningRate, "algorithm.generatorLearningRate") { c.algorithm.generatorLearningRate = .constant($0) }
        flags.set(assistantLearningRate, "algorithm.assistantLearningRate") { c.algorithm.assistantLearningRate = .constant($0) }
        flags.set(checkpointEvery, "algorithm.checkpointEvery") { c.algorithm.checkpointEvery = $0 }
        flags.set(seed, "algorithm.seed") { c.algorithm.seed = $0 }
        if let prompts {
            c.prompts = try Self.readPrompts(prompts)
            flags.name("prompts", given: true)
        }
        flags.set(reward, "reward.name") { c.reward = renamed(c.reward, to: absolutePluginPath($0)) }
        flags.name("reward.hyperparameters", given: !rewardHyperparameters.isEmpty)
        c.reward = try withHyperparameters(c.reward, rewardHyperparameters)
        flags.set(rewardScale, "algorithm.rewardScale") { c.algorithm.rewardScale = .constant($0) }
        try provenance.record("flag", c, explicit: flags.keys)
        return c
    }

    /// One prompt per non-empty line of `path`.
    static func readPrompts(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(location: path, what: "cannot read the prompts file as UTF-8 text", hint: "give a text file with one prompt per line")
        }
        let prompts = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !prompts.isEmpty else {
            throw ConfigurationError(location: path, what: "the prompts file has no prompt", hint: "write one prompt per line")
        }
        return prompts
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

    /// Runs `c`, or with `--show-config` prints it (components with all their options) and returns.
    func execute(_ c: RunConfiguration, provenance: ConfigurationProvenance, initialWeights: URL? = nil) throws {
        if showConfig {
            var shown = provenance
            try shown.record("default", PluginComponents.standard().normalized(c))
            print(shown.text, terminator: "")
            return
        }
        try compute.apply()
        let start = Date()
        let communicator = try Communicators.fromEnvironment()
        defer { (communicator as? MPICommunicator)?.finalize() }
        let run = try AlignmentRun(configuration: c, folder: URL(fileURLWithPath: out), components: PluginComponents.standard(),
                                   initialWeights: initialWeights, communicator: communicator)
        guard communicator.isRoot else {   // the other ranks of an mpirun job train; rank 0 reports
            _ = try run.train(progress: false)
            return
        }
        if communicator.size > 1 { print("data-parallel over \(communicator.size) processes (MPI), \(Compute.threads) thread(s) each") }
        let a = run.configuration.algorithm
        print("\(run.reward == nil ? "distill" : "align"): \(run.configuration.generator.name) generator (\(run.generator.parameterCount) parameters), "
              + "\(run.configuration.divergence), CFG \(a.teacherGuidance), α_rew \(a.rewardScale)\(run.reward.map { " (\($0.name))" } ?? "") → \(out)")
        if let foreign = run.reward as? ForeignFunctionReward, foreign.usesFiniteDifferences {
            print("note: \(foreign.name) has no gradient function; ∇r comes from central finite differences (2·n calls per sample)")
        }
        let report = try run.run { print($0) }
        print(report.summary)
        if let mpi = communicator as? MPICommunicator, let steps = report.steps, steps > 0 {
            print(String(format: "communication (rank 0): %.2f ms per step in MPI_Allreduce (%.1f%% of training), %.2f MB all-reduced per step in %d calls",
                         1000 * mpi.allReduceSeconds / Double(steps), 100 * mpi.allReduceSeconds / (report.wallSeconds ?? .infinity),
                         Double(mpi.allReduceBytes) / Double(steps) / 1e6, mpi.allReduceCalls / steps))
        }
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
            var provenance = ConfigurationProvenance()
            var c = try options.configuration(defaults: .distillDefaults, preset: nil, reward: nil, rewardScale: nil, provenance: &provenance)
            c.algorithm.rewardScale = 0
            c.reward = "none"
            try options.execute(c, provenance: provenance)
        }
    }
}

/// `dipp align`: DI++ with a reward.
struct Align: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Align a generator with a reward by DI++ (reward + IKL/SiD regularisation + CFG).")

    @OptionGroup var options: RunOptions
    @Option(help: "Reward: classifier (default), prompt-alignment (digits-text teachers), mode-distance, linear:k1,k2,…, rm:RUN (learned by `dipp reward train`), PATH.so (a dipp.reward/1 plugin), or ffi:PATH:'float f(const float *x, int64_t n)'[;grad=…].") var reward: String?
    @Option(name: .customLong("reward-hyperparameter"), help: "A reward plugin's hyper-parameter, name=value (repeatable).")
    var rewardHyperparameters: [String] = []
    @Option(help: "Reward scale α_rew (default: \(RunConfiguration.alignDefaults.algorithm.rewardScale); 0 = a control run that still logs the reward).") var rewardScale: Float?
    @Option(help: "One of the paper's configurations: \(Preset.allCases.map(\.rawValue).joined(separator: ", ")).") var preset: String?
    @Option(help: "Initialise the generator from this distilled run (its generator.safetensors).") var initFrom: String?

    func run() throws {
        try reportingErrors {
            var provenance = ConfigurationProvenance()
            let c = try options.configuration(defaults: .alignDefaults, preset: preset, reward: reward,
                                              rewardHyperparameters: rewardHyperparameters, rewardScale: rewardScale, provenance: &provenance)
            try options.execute(c, provenance: provenance,
                                initialWeights: initFrom.map { URL(fileURLWithPath: $0).appendingPathComponent("generator.safetensors") })
        }
    }
}
