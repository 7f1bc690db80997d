import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import Foundation

/// A DI++ run assembled from a ``RunConfiguration``: the teacher and its data, the generator,
/// the TA (a copy of the teacher), the divergence and the reward, trained by ``DIPPTrainer``
/// in a run folder with checkpoints, logs and exact resume.
///
/// Run folder: `config.json`, `checkpoint-*.safetensors`, `metrics.jsonl`, `tensorboard/`, and
/// at the end `generator.safetensors` (EMA weights) with `generator.json` (this
/// configuration), `samples-generator.png` and `report-generator.json`.
public final class AlignmentRun {
    public let configuration: RunConfiguration
    public let folder: URL
    public let teacher: EDMDenoiser
    public let train: LabeledDataset
    public let heldOut: LabeledDataset
    public let generator: any Generator
    public let reward: (any RewardModel)?
    public let trainer: DIPPTrainer

    /// - Parameters:
    ///   - initialWeights: a `generator.safetensors` to start the generator from (e.g. a
    ///     distilled run before alignment); ignored when resuming from a checkpoint.
    ///   - generatorOverride, rewardOverride: components supplied by the caller (plugins).
    public init(configuration: RunConfiguration, folder: URL, initialWeights: URL? = nil, generatorOverride: (any Generator)? = nil,
                rewardOverride: (any RewardModel)? = nil) throws {
        var c = configuration
        let teacherFolder = URL(fileURLWithPath: c.teacher)
        teacher = try EDMDenoiser.load(runFolder: teacherFolder)
        let teacherConfiguration = try ConfigurationFile.read(teacherFolder.appendingPathComponent("config.json").path,
                                                             over: TeacherTrainingConfiguration())
        let all = try DataSets.load(teacherConfiguration.data, file: teacherConfiguration.dataFile.isEmpty ? nil : teacherConfiguration.dataFile,
                                    seed: teacherConfiguration.seed)
        (train, heldOut) = all.split(fraction: teacherConfiguration.trainFraction, seed: teacherConfiguration.seed)
        c.algorithm.lossSigmaData = teacher.configuration.sigmaData
        try ConfigurationFile.checkResumable(c, folder: folder, defaults: RunConfiguration()) { $0.algorithm.steps = 0 }
        self.configuration = c
        self.folder = folder
        var rng = RandomStream(seed: c.algorithm.seed, stream: 0x6E4)
        generator = try generatorOverride ?? Self.makeGenerator(c, teacher: teacher, data: train, rng: &rng)
        guard generator.sampleShape.reduce(1, *) == train.dimension else {
            throw ConfigurationError(location: "configuration, key 'generator'",
                                     what: "the generator makes samples of shape \(generator.sampleShape), the teacher's data has \(train.sampleShape)",
                                     hint: "use a generator for this data, or a teacher trained on the generator's shape")
        }
        if let initialWeights {
            try generator.load(SafeTensors.read(contentsOf: initialWeights).tensors, source: initialWeights.path)
        }
        reward = try rewardOverride ?? Self.makeReward(c.reward, data: train, classifierFolder: teacherFolder.deletingLastPathComponent().appendingPathComponent("classifiers"))
        if c.algorithm.rewardScale != 0 && reward == nil {
            throw ConfigurationError(location: "configuration, key 'reward'", what: "rewardScale is \(c.algorithm.rewardScale) but no reward is set",
                                     hint: "set --reward (classifier, mode-distance, linear:…, or a plugin), or use dipp distill")
        }
        let divergence: any Divergence
        switch c.divergence {
        case "ikl": divergence = IntegralKL(weighting: c.weighting)
        case "sid": divergence = ScoreIdentity(alpha: c.sidAlpha)
        default:
            throw ConfigurationError(location: "configuration, key 'divergence'", what: "unknown divergence '\(c.divergence)'", hint: "use ikl or sid")
        }
        trainer = DIPPTrainer(configuration: c.algorithm, teacher: teacher, generator: generator, assistant: .learned(teacher.copy()),
                              divergence: divergence, reward: reward, classCount: train.classCount)
    }

    static func makeGenerator(_ c: RunConfiguration, teacher: EDMDenoiser, data: LabeledDataset, rng: inout RandomStream) throws -> any Generator {
        switch c.generator {
        case "one-step": return OneStepGenerator(teacher: teacher, sigmaInit: c.sigmaInit)
        case "mlp": return MLPGenerator(c.mlpGenerator, sampleShape: data.sampleShape, classCount: data.classCount, rng: &rng)
        case let name where RunConfiguration.isPlugin(name):
            throw ConfigurationError(location: "configuration, key 'generator'", what: "the plugin generator '\(name)' was not loaded",
                                     hint: "pass it as generatorOverride (the dipp command does this)")
        default:
            throw ConfigurationError(location: "configuration, key 'generator'", what: "unknown generator '\(c.generator)'",
                                     hint: "use one-step or mlp (plugins: --generator PATH.so)")
        }
    }

    /// Built-in rewards by name (plugins, `plugin:PATH.so`, are resolved by the caller and
    /// passed as `rewardOverride`).
    public static func makeReward(_ name: String, data: LabeledDataset, classifierFolder: URL) throws -> (any RewardModel)? {
        switch name {
        case "none": return nil
        case "classifier":
            return ClassifierReward(classifier: try Classifier.loadOrTrain(on: data, configuration: .init(), folder: classifierFolder))
        case "mode-distance": return ModeDistanceReward()
        case let spec where spec.hasPrefix("linear:"):
            let values = spec.dropFirst("linear:".count).split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == data.dimension, values.allSatisfy({ $0 != nil }) else {
                throw ConfigurationError(location: "reward '\(spec)'", what: "expected \(data.dimension) comma-separated numbers",
                                         hint: "e.g. linear:1,0 for 2-D data")
            }
            return LinearReward(direction: values.map { $0! })
        default:
            throw ConfigurationError(location: "reward '\(name)'", what: "unknown reward",
                                     hint: "use none, classifier, mode-distance, linear:k1,k2,…, a plugin PATH.so or ffi:…")
        }
    }

    /// Trains to the configured step count (resuming from the newest checkpoint), then writes
    /// the EMA generator, its samples and its report.
    @discardableResult
    public func run(progress: Bool = true, log: (String) -> Void = { _ in }) throws -> EvaluationReport {
        let c = configuration.algorithm
        guard c.steps > 0, c.batchSize > 0, c.checkpointEvery > 0, c.logEvery > 0, c.assistantSteps >= 0 else {
            throw ConfigurationError(location: "configuration, algorithm", what: "steps, batchSize, checkpointEvery and logEvery must be positive",
                                     hint: "e.g. --steps 2000 --batch-size 256")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ConfigurationFile.write(configuration, to: folder.appendingPathComponent("config.json"))
        let store = CheckpointStore(folder: folder)
        if let step = try trainer.resume(from: store) { log("resuming from \(store.url(step: step).path) (step \(step))") }
        let initialReward = reward.map { meanReward($0, of: generator) }
        let logger = try TrainingLog(folder: folder)
        let reporter = progress ? ProgressReporter(total: c.steps, label: configuration.algorithm.rewardScale == 0 ? "distill" : "align",
                                                   startStep: trainer.step) : nil
        while trainer.step < c.steps {
            let metrics = try trainer.trainStep()
            if trainer.step % c.logEvery == 0 { try logger.record(step: trainer.step, metrics: metrics.values) }
            reporter?.update(step: trainer.step, metrics: metrics.values.filter { ["loss_divergence", "reward_mean", "y_norm"].contains($0.0) })
            if trainer.step % c.checkpointEvery == 0 || trainer.step == c.steps { try trainer.save(to: store) }
        }
        try logger.flush()
        // The raw weights are in the last checkpoint; the generator now takes its EMA weights.
        trainer.writeAverage(into: generator)
        let final = generator
        try SafeTensors.write(final.stateDictionary(), metadata: ["kind": "generator-ema", "step": String(trainer.step)],
                              to: folder.appendingPathComponent("generator.safetensors"))
        try ConfigurationFile.write(configuration, to: folder.appendingPathComponent("generator.json"))
        var report = try Self.evaluate(final, train: train, heldOut: heldOut, perClass: configuration.reportPerClass,
                                       seed: c.seed, folder: folder, name: "generator", classifierFolder: classifierFolder)
        if let reward {
            report.rewardName = reward.name
            report.initialMeanReward = initialReward.map(Double.init)
            report.meanReward = Double(meanReward(reward, of: final))
        }
        try ConfigurationFile.write(report, to: folder.appendingPathComponent("report-generator.json"))
        return report
    }

    public var classifierFolder: URL { URL(fileURLWithPath: configuration.teacher).deletingLastPathComponent().appendingPathComponent("classifiers") }

    /// Mean reward of 1000 one-step samples with balanced labels (fixed seed).
    func meanReward(_ reward: any RewardModel, of generator: any Generator) -> Float {
        let labels = ModelEvaluation.balancedLabels(classes: train.classCount, perClass: max(1, 1000 / train.classCount))
        var rng = RandomStream(seed: 99, stream: 0xAE)
        let x = generator.sample(conditions: Conditions(labels: labels), rng: &rng)
        return reward.meanReward(x, conditions: Conditions(labels: labels))
    }

    /// One-step samples → PNG + metrics.
    public static func evaluate(_ generator: any Generator, train: LabeledDataset, heldOut: LabeledDataset, perClass: Int, seed: UInt64,
                                folder: URL, name: String, classifierFolder: URL) throws -> EvaluationReport {
        let labels = ModelEvaluation.balancedLabels(classes: train.classCount, perClass: perClass)
        var rng = RandomStream(seed: seed, stream: 0x5A3B)
        let samples = generator.sample(conditions: Conditions(labels: labels), rng: &rng)
        try ModelEvaluation.writePicture(samples: samples, labels: labels, data: train, perClass: perClass,
                                         to: folder.appendingPathComponent("samples-\(name).png").path)
        return try ModelEvaluation.evaluate(samples: samples, labels: labels, train: train, heldOut: heldOut, sampler: "one-step generator",
                                            evaluations: 1, classifierFolder: classifierFolder)
    }
}

extension AlignmentRun {
    /// Re-opens a finished run folder and loads its EMA generator (`generator.json` +
    /// `generator.safetensors`), for `dipp sample --generator`.
    /// `loadPlugins` turns the saved configuration into the plugin generator and reward it names
    /// (`nil` for built-ins).
    public static func finished(runFolder folder: URL,
                                loadPlugins: (RunConfiguration) throws -> (generator: (any Generator)?, reward: (any RewardModel)?) = { _ in (nil, nil) })
        throws -> AlignmentRun {
        let file = folder.appendingPathComponent("generator.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ConfigurationError(location: file.path, what: "no generator.json in the run folder",
                                     hint: "pass the --out folder of a finished `dipp distill` or `dipp align` run")
        }
        let configuration = try ConfigurationFile.read(file.path, over: RunConfiguration())
        let weights = folder.appendingPathComponent("generator.safetensors")
        let plugins = try loadPlugins(configuration)
        return try AlignmentRun(configuration: configuration, folder: folder, initialWeights: weights, generatorOverride: plugins.generator,
                                rewardOverride: plugins.reward)
    }
}
