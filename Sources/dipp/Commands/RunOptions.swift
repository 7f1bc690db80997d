import ArgumentParser
import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation

/// Options shared by `dipp distill`, `dipp align` and `dipp text-to-3d`. Flags override the
/// configuration file, which overrides the command's defaults; each command's `--help` lists its
/// own defaults (``defaultsDiscussion(_:)``), and the component flags list the registered names.
struct RunOptions: ParsableArguments {
    @Option(help: "JSON configuration file (unknown keys are rejected; see Documentation/Configuration.md and --show-config).")
    var config: String?
    @Option(help: "Run folder of the `dipp pretrain` teacher, or diffusers:DIR (a diffusers UNet2DModel or DDPM pipeline folder).") var teacher: String?
    @Option(help: ArgumentHelp("With --teacher diffusers:DIR: the data set to evaluate against (default: the teacher's own samples).",
                               valueName: CLI.valueName("data set"))) var data: String?
    @Option(help: ArgumentHelp("Generator: a registered name or a dipp.generator/1 plugin PATH.so (`dipp components generator`).",
                               valueName: CLI.valueName("generator")))
    var generator: String?
    @Option(name: .customLong("generator-hyperparameter"), help: "A generator plugin's hyper-parameter, name=value (repeatable).")
    var generatorHyperparameters: [String] = []
    @Option(help: ArgumentHelp("Divergence: a name, or a JSON object with its options, e.g. '{\"name\": \"sid\", \"alpha\": 1.0}' (`dipp components divergence`).",
                               valueName: CLI.valueName("divergence")))
    var divergence: String?
    @Option(help: "IKL weighting.") var weighting: IntegralKL.Weighting?
    @Option(help: "Teacher CFG scale α_cfg (1: no guidance).") var cfg: Float?
    @Option(help: "Generator updates.") var steps: Int?
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "What α_rew multiplies: none (the raw reward, as the paper writes it), frozen (the reward in units fixed from its gradient over the first \(DIPPConfiguration().rewardNormalizationWarmup) steps) or gradient (re-measured every step, so the push never fades).")
    var rewardNormalization: RewardNormalization?
    @Option(help: "Text-conditioned teachers: a file of prompts (one per line) to train on instead of the teacher's captions.")
    var prompts: String?
    @Option(help: "Generator learning rate (distilling from the teacher's weights is stable at 1e-4; aligning, and CFG 4.5, need 2e-5).")
    var learningRate: Float?
    @Option(help: "TA learning rate.") var assistantLearningRate: Float?
    @Option(help: "Steps between checkpoints.") var checkpointEvery: Int?
    @Option(help: "Seed.") var seed: UInt64?
    @Option(help: "Run folder (checkpoints, logs, samples, report).") var out: String
    @Flag(help: "Print every setting of the resolved configuration with where it came from (default, file, preset, flag), then exit.")
    var showConfig = false
    @OptionGroup var compute: ComputeOptions

    /// A command's defaults for its `--help`: the settings the flags above override.
    static func defaultsDiscussion(_ c: RunConfiguration) -> String {
        let a = c.algorithm
        return "Defaults: teacher \(c.teacher), generator \(c.generator), divergence \(c.divergence), reward \(c.reward), "
            + "CFG \(a.teacherGuidance), α_rew \(a.rewardScale) (reward normalisation \(a.rewardNormalization)), \(a.steps) steps of batch \(a.batchSize), "
            + "learning rate \(a.generatorLearningRate) (TA \(a.assistantLearningRate)), checkpoint every \(a.checkpointEvery), seed \(a.seed). "
            + "--show-config prints every setting with where it came from."
    }

    /// The configuration from the command's defaults, then `--config`, then `--preset`, then the
    /// flags; `provenance` records each stage (for `--show-config`).
    func configuration(defaults: RunConfiguration, preset: Preset?, reward: String?, rewardHyperparameters: [String] = [],
                       rewardScale: Float?, provenance: inout ConfigurationProvenance) throws -> RunConfiguration {
        var c = try provenance.start(defaults: defaults, file: config)
        if let preset {
            preset.apply(to: &c)
            try provenance.record("preset \(preset.rawValue)", c, explicit: ["algorithm.teacherGuidance", "algorithm.rewardScale"])
        }
        var flags = FlagStage()
        flags.set(teacher, "teacher") { c.teacher = $0 }
        flags.set(data, "data") { c.data = $0 }
        flags.set(generator, "generator") { c.generator = renamed(c.generator, to: absolutePluginPath($0)) }
        flags.name("generator.hyperparameters", given: !generatorHyperparameters.isEmpty)
        c.generator = try withHyperparameters(c.generator, generatorHyperparameters)
        if let divergence, divergence.hasPrefix("{") {   // a component object: name and options
            c.divergence = try ComponentSpec(argument: divergence, flag: "--divergence", example: #"{"name": "sid", "alpha": 1.0}"#)
            flags.name("divergence", given: true)
        } else {
            flags.set(divergence, "divergence.name") { c.divergence = renamed(c.divergence, to: $0) }
        }
        flags.set(weighting, "divergence.weighting") { c.divergence = c.divergence.setting("weighting", .string($0.rawValue)) }
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
        flags.set(rewardNormalization, "algorithm.rewardNormalization") { c.algorithm.rewardNormalization = $0 }
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
            try shown.record("default", CLI.components.normalized(c))
            print(shown.text, terminator: "")
            return
        }
        try compute.apply()
        if let initialWeights, !FileManager.default.fileExists(atPath: initialWeights.path) {
            throw ConfigurationError(location: "--init-from \(initialWeights.deletingLastPathComponent().path)", what: "no generator.safetensors in the folder",
                                     hint: "give the --out folder of a finished `dipp distill` run")
        }
        let start = Date()
        try withCommunicator { communicator in
            let run = try AlignmentRun(configuration: c, folder: URL(fileURLWithPath: out), components: CLI.components,
                                       initialWeights: initialWeights, communicator: communicator)
            guard communicator.isRoot else {   // the other ranks of an mpirun job train; rank 0 reports
                _ = try run.train(progress: false)
                return
            }
            if communicator.size > 1 { print("data-parallel over \(communicator.size) processes (MPI), \(Compute.threads) thread(s) each") }
            let a = run.configuration.algorithm
            print("\(run.reward == nil ? "distill" : "align"): \(run.configuration.generator.name) generator (\(run.generator.parameterCount) parameters), "
                  + "\(run.configuration.divergence), CFG \(a.teacherGuidance), α_rew \(a.rewardScale)\(run.reward.map { " (\($0.name), normalisation \(a.rewardNormalization))" } ?? "") → \(out)")
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
}

/// A plugin given on the command line as an absolute path, so that the run folder's
/// `config.json` still finds it from another working directory; other names unchanged.
func absolutePluginPath(_ name: String) -> String {
    PluginComponents.isPluginPath(name) ? PluginComponents.libraryPath(name) : name
}
