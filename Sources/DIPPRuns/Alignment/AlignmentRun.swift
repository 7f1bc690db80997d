import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// A DI++ run assembled from a ``RunConfiguration`` through a ``Components`` catalogue: the
/// teacher and its data, the generator, the TA, the divergence, the reward, the guidance and
/// the TA objective, trained by ``DIPPTrainer`` in a run folder with checkpoints, logs and
/// exact resume.
///
/// Run folder: `config.json` (every component with all its options), `checkpoint-*.safetensors`,
/// `metrics.jsonl`, `tensorboard/`, and at the end `generator.safetensors` (EMA weights) with
/// `generator.json` (this configuration), `samples-generator.png` and `report-generator.json`.
/// Every file is written atomically; a resumed run cuts its logs back to the checkpoint's step.
/// In a data-parallel job (``Communicator``) every rank trains and rank 0 alone writes the run
/// folder; the other ranks read its checkpoints to resume.
public final class AlignmentRun {
    public let configuration: RunConfiguration
    public let folder: URL
    public let teacherRun: TeacherRun
    public let generator: any Generator
    public let reward: (any RewardModel)?
    public let trainer: DIPPTrainer
    /// The catalogue the configuration's names were looked up in (and its evaluators).
    public let components: Components
    /// The progress bar's name (default: `distill` without a reward, else `align`).
    public var progressLabel: String?
    public var communicator: any Communicator { trainer.communicator }

    public var teacher: EDMDenoiser { teacherRun.teacher }
    public var train: LabeledDataset { teacherRun.train }
    public var heldOut: LabeledDataset { teacherRun.heldOut }
    public var classifierFolder: URL { teacherRun.classifierFolder }
    public var conditioner: Conditioner { teacherRun.conditioner }

    /// - Parameters:
    ///   - components: the registries the configuration's names are looked up in.
    ///   - initialWeights: a `generator.safetensors` to start the generator from (e.g. a
    ///     distilled run before alignment); ignored when resuming from a checkpoint.
    ///   - communicator: the data-parallel job this run is one rank of (one process by default);
    ///     `algorithm.batchSize` is the global batch and must split evenly over its ranks.
    public init(configuration: RunConfiguration, folder: URL, components: Components = .standard(), initialWeights: URL? = nil,
                communicator: any Communicator = SingleProcess()) throws {
        self.components = components
        teacherRun = try TeacherRun(reference: configuration.teacher, data: configuration.data, components: components)
        let c = try components.normalized(configuration)
        let a = c.algorithm
        if (a.assistantGuidance != 1 || a.assistantTrainingGuidance != 1) && a.assistantLabelDropout <= 0 {
            throw ConfigurationError(location: "configuration, algorithm", what: "a TA guidance scale ≠ 1 needs the TA's null branch, "
                                     + "but assistantLabelDropout is \(a.assistantLabelDropout), so the TA never learns it",
                                     hint: "set assistantLabelDropout (e.g. 0.1) or keep assistantGuidance and assistantTrainingGuidance at 1")
        }
        try ConfigurationFile.checkResumable(c, folder: folder, defaults: RunConfiguration()) { $0.algorithm.steps = 0 }
        guard c.reportPerClass >= 0 else {
            throw ConfigurationError(location: "configuration, key 'reportPerClass'", what: "\(c.reportPerClass) samples per class for the report",
                                     hint: "at least 1 (default 100; 0 only where no report is made, as in text-to-3D)")
        }
        guard c.algorithm.batchSize % communicator.size == 0 else {
            throw ConfigurationError(location: "configuration, algorithm.batchSize",
                                     what: "the batch of \(c.algorithm.batchSize) does not split evenly over \(communicator.size) processes",
                                     hint: "use a batch size that is a multiple of the process count (mpirun -np)")
        }
        self.configuration = c
        self.folder = folder
        let teacher = teacherRun.teacher, train = teacherRun.train
        try Self.checkGuidance(c, conditional: train.classCount > 0 || teacher.configuration.textDimension > 0, data: train.name)
        if !teacher.configuration.acceptsNullCondition, c.algorithm.teacherGuidance.constantValue != 1 || a.assistantLabelDropout > 0 {
            throw ConfigurationError(location: "configuration, algorithm", what: "α_cfg is \(c.algorithm.teacherGuidance) and the TA's label dropout "
                                     + "\(a.assistantLabelDropout), but the imported model's class table has no ∅ row",
                                     hint: "keep teacherGuidance at 1 and assistantLabelDropout at 0: a UNet2DModel's num_class_embeds holds its classes only")
        }
        let context = RunContext(teacher: teacher, train: train, seed: c.algorithm.seed, classifierFolder: teacherRun.classifierFolder)
        let built = try components.generators.make(c.generator, context: context, path: "generator")
        let range = train.valueRange
        generator = c.generatorOutput == .none ? built : BoundedGenerator(built, mode: c.generatorOutput, low: range.low, high: range.high)
        guard generator.sampleShape.reduce(1, *) == train.dimension else {
            throw ConfigurationError(location: "configuration, key 'generator'",
                                     what: "the generator makes samples of shape \(generator.sampleShape), the teacher's data has \(train.sampleShape)",
                                     hint: "use a generator for this data, or a teacher trained on the generator's shape")
        }
        if let initialWeights {
            try generator.load(SafeTensors.read(contentsOf: initialWeights).tensors, source: initialWeights.path)
        }
        reward = try components.rewards.make(c.reward, context: context, path: "reward")
        if !c.algorithm.rewardScale.isAlwaysZero && reward == nil {
            throw ConfigurationError(location: "configuration, key 'reward'", what: "rewardScale is \(c.algorithm.rewardScale) but the reward is none",
                                     hint: "set --reward (classifier, mode-distance, linear:…, or a plugin), or use dipp distill")
        }
        if let reward, let expected = reward.expectedSampleShape, expected.reduce(1, *) != train.dimension {
            throw ConfigurationError(location: "configuration, key 'reward'",
                                     what: "the reward \(reward.name) scores samples of shape \(expected), the teacher's data has \(train.sampleShape)",
                                     hint: "use a reward written for this data")
        }
        let assistant: EDMDenoiser
        switch c.assistantInitialisation {
        case .teacher: assistant = teacher.copy()
        case .random:
            var rng = RandomStream(seed: c.algorithm.seed, .assistantInitialisation)
            assistant = teacher.reinitialised(rng: &rng)
        }
        let divergence = try components.divergences.make(c.divergence, context: context, path: "divergence")
        try Self.checkDivergenceNoise(divergence, configuration: c)
        trainer = DIPPTrainer(configuration: c.algorithm, teacher: teacher, generator: generator, assistant: .learned(assistant),
                              divergence: divergence,
                              reward: reward, conditions: try Self.conditionSampler(c, conditioner: teacherRun.conditioner, classCount: train.classCount),
                              assistantObjective: try components.assistantObjectives.make(c.assistantObjective, context: context,
                                                                                          path: "assistantObjective"),
                              guidance: try components.guidance.make(c.guidance, context: context, path: "guidance"),
                              communicator: communicator)
    }

    /// Trains to the configured step count (resuming from the newest checkpoint), then writes
    /// the EMA generator, its samples and its report.
    @discardableResult
    public func run(progress: Bool = true, log: (String) -> Void = { _ in }) throws -> EvaluationReport {
        guard configuration.reportPerClass >= 1 else {   // checked first: the report comes after all the training
            throw ConfigurationError(location: "configuration, key 'reportPerClass'", what: "0 samples per class for the report",
                                     hint: "at least 1 (default 100)")
        }
        let summary = try train(progress: progress, log: log)
        let c = configuration.algorithm
        var report = try Self.evaluate(generator, described: "the EMA generator", train: train, heldOut: heldOut, perClass: configuration.reportPerClass,
                                       seed: c.seed, folder: folder, name: "generator", classifierFolder: classifierFolder,
                                       conditioner: conditioner, components: components)
        if let reward {
            report.rewardName = reward.name
            report.initialMeanReward = summary.initialReward.map(Double.init)
            report.meanReward = Double(meanReward(reward, of: generator))
            report.rewardScale = c.rewardScale.description
            report.rewardAsUsed = summary.lastRewardAsUsed
            report.rewardSamples = rewardSamplesDescription(generator: "the initial and the EMA generator")
        }
        report.wallSeconds = summary.seconds
        report.steps = summary.steps
        report.stepsPerSecond = summary.seconds > 0 ? Double(summary.steps) / summary.seconds : nil
        report.components = ["generator": configuration.generator, "divergence": configuration.divergence, "reward": configuration.reward,
                             "guidance": configuration.guidance, "assistantObjective": configuration.assistantObjective]
        try ConfigurationFile.write(report, to: folder.appendingPathComponent("report-generator.json"))
        return report
    }

    /// What ``train(progress:log:)`` measured.
    public struct TrainingSummary {
        /// Steps run in this call (fewer than configured after a resume) and their wall time.
        public var steps: Int
        public var seconds: Double
        /// The mean reward of the probe before training (`nil` without a reward).
        public var initialReward: Float?
        /// The last logged reward term `α_rew·normaliser·mean r`.
        public var lastRewardAsUsed: Double?
    }

    /// The training half of ``run(progress:log:)``: trains to the configured step count
    /// (resuming from the newest checkpoint), then loads the EMA weights into ``generator`` and
    /// writes `generator.safetensors` and `generator.json`. Callers with their own evaluation
    /// (`dipp text-to-3d`) stop here.
    public func train(progress: Bool = true, log: (String) -> Void = { _ in }) throws -> TrainingSummary {
        let c = configuration.algorithm
        guard c.steps > 0, c.batchSize > 0, c.checkpointEvery > 0, c.logEvery > 0, c.assistantSteps >= 0 else {
            throw ConfigurationError(location: "configuration, algorithm", what: "steps, batchSize, checkpointEvery and logEvery must be positive",
                                     hint: "e.g. --steps 2000 --batch-size 256")
        }
        let root = communicator.isRoot
        if root {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try ConfigurationFile.write(configuration, to: folder.appendingPathComponent("config.json"))
        }
        let store = CheckpointStore(folder: folder)
        if let step = try trainer.resume(from: store), root { log("resuming from \(store.url(step: step).path) (step \(step))") }
        let initialReward = reward.map { meanReward($0, of: generator) }
        let logger = root ? try TrainingLog(folder: folder, resumedStep: trainer.step) : nil
        let label = progressLabel ?? (reward == nil ? "distill" : "align")
        let reporter = progress && root ? ProgressReporter(total: c.steps, label: label, startStep: trainer.step) : nil
        var probe: QualityProbe?   // built at its first use (it may train the in-project classifier)
        let (start, firstStep) = (Date(), trainer.step)
        var lastRewardAsUsed: Double?
        while trainer.step < c.steps {
            var metrics = try trainer.trainStep().values
            if let term = metrics.first(where: { $0.0 == "reward_term" }) { lastRewardAsUsed = Double(term.1) }
            if root, configuration.progressEvery > 0, configuration.progressSamples > 0, trainer.step % configuration.progressEvery == 0 {
                if probe == nil { probe = try qualityProbe() }
                metrics += measure(probe!)
            }
            if trainer.step % c.logEvery == 0 || metrics.contains(where: { $0.0.hasPrefix("quality/") }) {
                try logger?.record(step: trainer.step, metrics: metrics)
            }
            reporter?.update(step: trainer.step, metrics: metrics.filter { ["loss_divergence", "reward_mean", "reward_std", "y_norm", "reward_grad_norm"].contains($0.0) })
            if root, trainer.step % c.checkpointEvery == 0 || trainer.step == c.steps {
                try logger?.flush()   // the logs never lag the newest checkpoint
                try trainer.save(to: store)
            }
        }
        try logger?.flush()
        let seconds = Date().timeIntervalSince(start)
        // The raw weights are in the last checkpoint; the generator now takes its EMA weights.
        trainer.writeAverage(into: generator)
        guard root else {
            return TrainingSummary(steps: trainer.step - firstStep, seconds: seconds, initialReward: initialReward, lastRewardAsUsed: lastRewardAsUsed)
        }
        try SafeTensors.write(generator.stateDictionary(), metadata: ["kind": "generator-ema", "step": String(trainer.step)],
                              to: folder.appendingPathComponent("generator.safetensors"))
        try ConfigurationFile.write(configuration, to: folder.appendingPathComponent("generator.json"))
        return TrainingSummary(steps: trainer.step - firstStep, seconds: seconds, initialReward: initialReward, lastRewardAsUsed: lastRewardAsUsed)
    }

    /// The probe of the logged `quality/…` metrics.
    func qualityProbe() throws -> QualityProbe {
        try QualityProbe(train: train, heldOut: heldOut, classifierFolder: classifierFolder,
                         sampleCount: configuration.progressSamples, classCount: train.classCount)
    }

    /// The EMA generator's metrics on the probe's fixed latents; the raw weights are put back.
    func measure(_ probe: QualityProbe) -> [(String, Float)] {
        let raw = generator.parameters.map(\.storage)
        trainer.writeAverage(into: generator)
        defer { for (p, values) in zip(generator.parameters, raw) { p.withMutableStorage { $0 = values } } }
        var rng = RandomStream(seed: configuration.algorithm.seed, .qualityProbe)
        let samples = withoutGradients { generator.sample(conditions: conditioner.conditions(labels: probe.labels), rng: &rng) }
        return probe(samples)
    }

    /// α_cfg ≠ 1 on unconditional data would be silently inert (every sample is `∅`, so both
    /// branches agree): refuse it.
    public static func checkGuidance(_ c: RunConfiguration, conditional: Bool, data: String) throws {
        guard !conditional, c.algorithm.teacherGuidance.constantValue != 1 else { return }
        throw ConfigurationError(location: "configuration, algorithm.teacherGuidance",
                                 what: "α_cfg is \(c.algorithm.teacherGuidance) but the teacher's data \(data) is unconditional: "
                                 + "every sample is ∅, so guidance would change nothing",
                                 hint: "keep teacherGuidance at 1 (no --cfg), or use a teacher trained on labelled or captioned data")
    }

    /// The conditions DI++ trains on: the configuration's prompts (text teachers only), else the
    /// teacher's own (``Conditioner/sampler(classCount:)``).
    public static func conditionSampler(_ c: RunConfiguration, conditioner: Conditioner, classCount: Int) throws -> any ConditionSampler {
        guard !c.prompts.isEmpty else { return conditioner.sampler(classCount: classCount) }
        guard conditioner.isText else {
            throw ConfigurationError(location: "configuration, key 'prompts'", what: "prompts are given but the teacher is not text-conditioned",
                                     hint: "use a teacher trained with --data digits-text, or drop --prompts")
        }
        guard c.prompts.allSatisfy({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw ConfigurationError(location: "configuration, key 'prompts'", what: "an empty prompt (∅ is the null condition, not a prompt)",
                                     hint: "remove the empty line from the prompts file")
        }
        return conditioner.sampler(prompts: c.prompts)
    }

    /// Refuses σ distributions that cannot be drawn from, and — a divergence with its own σ
    /// (``Divergence/noise``: SiD) replacing `algorithm.noise` — a configuration that sets both, so
    /// neither is silently ignored.
    public static func checkDivergenceNoise(_ divergence: any Divergence, configuration c: RunConfiguration) throws {
        try c.algorithm.noise.validate(path: "algorithm.noise")
        try divergence.noise?.validate(path: "divergence.noise")
        try divergence.assistantNoise?.validate(path: "divergence.assistantNoise")
        guard divergence.noise != nil, c.algorithm.noise != DIPPConfiguration().noise else { return }
        throw ConfigurationError(location: "configuration, algorithm.noise",
                                 what: "the divergence \(c.divergence.name) draws σ from its own option divergence.noise, "
                                 + "so algorithm.noise would be ignored",
                                 hint: "set the noise levels as divergence.noise, e.g. {\"name\": \"\(c.divergence.name)\", \"noise\": {…}}")
    }

    /// The reward probe's labels: about 1000, balanced over the classes.
    var rewardProbeLabels: [Int] {
        ModelEvaluation.balancedLabels(classes: train.classCount, perClass: max(1, 1000 / max(train.classCount, 1)))
    }

    /// Mean reward of 1000 one-step samples with balanced labels (fixed seed).
    public func meanReward(_ reward: any RewardModel, of generator: any Generator) -> Float {
        let labels = rewardProbeLabels
        var rng = RandomStream(seed: 99, .rewardProbe)
        let conditions = conditioner.conditions(labels: labels)
        let x = generator.sample(conditions: conditions, rng: &rng)
        return reward.meanReward(x, conditions: conditions)
    }

    /// One-step samples → PNG + metrics; `described` names the generator in the report's `samples`.
    public static func evaluate(_ generator: any Generator, described: String = "the generator", train: LabeledDataset, heldOut: LabeledDataset,
                                perClass: Int, seed: UInt64, folder: URL, name: String, classifierFolder: URL, conditioner: Conditioner = .labels,
                                components: Components = .standard()) throws -> EvaluationReport {
        let labels = ModelEvaluation.balancedLabels(classes: train.classCount, perClass: perClass)
        var rng = RandomStream(seed: seed, .evaluationSamples)
        let samples = generator.sample(conditions: conditioner.conditions(labels: labels), rng: &rng)
        try ModelEvaluation.writePicture(samples: samples, labels: labels, data: train, perClass: perClass,
                                         to: folder.appendingPathComponent("samples-\(name).png").path)
        var report = try components.evaluate(samples: samples, labels: labels, train: train, heldOut: heldOut, sampler: "one-step generator",
                                             evaluations: 1, classifierFolder: classifierFolder)
        report.samples = "\(described), \(SampleReport.count(labels, perClass: perClass)), evaluation stream, seed \(seed)"
        return report
    }

    /// Which samples ``meanReward(_:of:)`` scores.
    public func rewardSamplesDescription(generator: String) -> String {
        let labels = rewardProbeLabels
        return "\(generator), \(SampleReport.count(labels, perClass: max(1, labels.count / max(train.classCount, 1)))), reward-probe stream, seed 99 "
            + "(the same latents before and after training)"
    }
}

extension AlignmentRun {
    /// Re-opens a finished run folder and loads its EMA generator (`generator.json` +
    /// `generator.safetensors`), for `dipp sample --generator`.
    public static func finished(runFolder folder: URL, components: Components = .standard()) throws -> AlignmentRun {
        let file = folder.appendingPathComponent("generator.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ConfigurationError(location: file.path, what: "no generator.json in the run folder",
                                     hint: "pass the --out folder of a finished `dipp distill` or `dipp align` run")
        }
        let configuration = try ConfigurationFile.read(file.path, over: RunConfiguration())
        return try AlignmentRun(configuration: configuration, folder: folder, components: components,
                                initialWeights: folder.appendingPathComponent("generator.safetensors"))
    }
}
