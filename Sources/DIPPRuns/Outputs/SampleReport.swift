import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// What `dipp sample` and `dipp pretrain` do after training: samples a model for balanced
/// labels with any ``Sampler``, writes the PNG and `report-<name>.json` (and, when asked, the raw
/// samples as safetensors), prints the summary, and returns the report.
public enum SampleReport {
    @discardableResult
    public static func run(model: any ScoreModel, guidance: any Guidance, sampler: any Sampler, train: LabeledDataset,
                    heldOut: LabeledDataset, perClass: Int, seed: UInt64, folder: URL, classifierFolder: URL, name: String,
                    save: String? = nil, trainingSeconds: Double? = nil, reward: (any RewardModel)? = nil,
                    conditioner: Conditioner = .labels, components: Components = .standard(), samplerDescription: String? = nil,
                    print: (String) -> Void = { Swift.print($0) }) throws -> EvaluationReport {
        guard perClass >= 1 else {
            throw ConfigurationError(location: "--per-class", what: "\(perClass) samples per class leaves nothing to sample and score",
                                     hint: "give at least 1 (the report's figures want 100 or more)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let labels = ModelEvaluation.balancedLabels(classes: train.classCount, perClass: perClass)
        var rng = RandomStream(seed: seed, .evaluationSamples)
        let start = Date()
        let conditions = conditioner.conditions(labels: labels)
        var chunks: [Tensor] = [], latents: [Tensor] = []
        for chunk in stride(from: 0, to: labels.count, by: 500) {
            let part = conditions.subset(Array(chunk..<min(chunk + 500, labels.count)))
            if save != nil {
                var copy = rng
                latents.append(sampler.initialNoise(count: part.count, shape: model.sampleShape, rng: &copy))
            }
            chunks.append(sampler.sample(model, guidance: guidance, conditions: part, rng: &rng))
        }
        let samples = Tensor.concat(chunks, axis: 0)
        let sampleSeconds = Date().timeIntervalSince(start)
        if let save {
            try SampleFile.write(samples: samples, conditions: conditions, latents: Tensor.concat(latents, axis: 0),
                                 metadata: ["sampler": sampler.description, "seed": String(seed), "data": train.name],
                                 to: URL(fileURLWithPath: save))
        }
        let picture = folder.appendingPathComponent("samples-\(name).png").path
        try ModelEvaluation.writePicture(samples: samples, labels: labels, data: train, perClass: perClass, to: picture)
        let guided = (guidance as? ClassifierFreeGuidance).map { ", CFG \($0.scale)" } ?? ""
        var report = try components.evaluate(samples: samples, labels: labels, train: train, heldOut: heldOut,
                                                  sampler: samplerDescription ?? sampler.description + guided, evaluations: sampler.evaluations,
                                                  classifierFolder: classifierFolder)
        report.samples = "\(count(labels, perClass: perClass)), evaluation stream, seed \(seed)"
        report.wallSeconds = trainingSeconds
        if let reward {   // scored by any reward, built-in or plugin
            let scores = withoutGradients { reward.reward(samples, conditions: conditions) }.storage.map { Double($0) }
            let spread = SeedSpread(scores)
            report.rewardName = reward.name
            report.meanReward = spread.mean
            print(String(format: "reward (%@): %.4f ± %.4f (mean ± sd over these %d samples)", reward.name, spread.mean, spread.standardDeviation, scores.count))
        }
        try ConfigurationFile.write(report, to: folder.appendingPathComponent("report-\(name).json"))
        print(report.summary)
        print(String(format: "sampled %d in %.1f s → %@%@", labels.count, sampleSeconds, picture, save.map { " and \($0)" } ?? ""))
        return report
    }

    /// `dipp sample --model`: a teacher run (or `diffusers:DIR`, evaluated against `data`)
    /// sampled with the registered sampler `sampler`; optionally scored by `reward`, with the
    /// outputs in `out` (default: the run folder; required for an imported model).
    @discardableResult
    public static func sampleTeacher(model reference: String, data: String = "", sampler spec: ComponentSpec, components: Components = .standard(),
                                     guidanceScale: Float = 1, perClass: Int, seed: UInt64, name: String, save: String? = nil,
                                     reward: ComponentSpec? = nil, out: URL? = nil, print: (String) -> Void = { Swift.print($0) }) throws -> EvaluationReport {
        let teacherRun = try TeacherRun(reference: reference, data: data, components: components)
        guard out != nil || !teacherRun.isImported else {
            throw ConfigurationError(location: "--out", what: "no output folder for the imported model \(reference)",
                                     hint: "pass --out DIR: DIPP does not write into a model's folder")
        }
        if !teacherRun.teacher.configuration.acceptsNullCondition, guidanceScale != 1 {
            throw ConfigurationError(location: "--cfg", what: "CFG \(guidanceScale) needs a ∅ class, which the imported model's class table lacks",
                                     hint: "sample it at --cfg 1")
        }
        let folder = teacherRun.folder
        let sampler = try components.samplers.make(spec, context: SamplerContext(), path: "sampler")
        let scorer = try reward.flatMap { try makeReward($0, teacherRun: teacherRun, seed: seed, components: components) }
        return try run(model: teacherRun.teacher, guidance: ClassifierFreeGuidance(scale: guidanceScale), sampler: sampler,
                       train: teacherRun.train, heldOut: teacherRun.heldOut, perClass: perClass, seed: seed, folder: out ?? folder,
                       classifierFolder: teacherRun.classifierFolder, name: name, save: save, reward: scorer,
                       conditioner: teacherRun.conditioner, components: components, print: print)
    }

    /// `dipp sample --generator`: a finished distill/align run sampled in one step; optionally
    /// scored by `reward`, with the outputs in `out` (default: the run folder).
    @discardableResult
    public static func sampleGenerator(runFolder: URL, components: Components = .standard(), perClass: Int, seed: UInt64, name: String,
                                       save: String? = nil, reward: ComponentSpec? = nil, out: URL? = nil,
                                       print: (String) -> Void = { Swift.print($0) }) throws -> EvaluationReport {
        let run = try AlignmentRun.finished(runFolder: runFolder, components: components)
        let sampler = try components.samplers.make("one-step", context: SamplerContext(generator: run.generator), path: "sampler")
        let scorer = try reward.flatMap { try makeReward($0, teacherRun: run.teacherRun, seed: seed, components: components) }
        // A one-step generator reads no guidance at sampling time: it was trained at the run's α_cfg.
        let a = run.configuration.algorithm
        let trained = "one-step generator (EMA weights; trained at CFG \(a.teacherGuidance), α_rew \(a.rewardScale))"
        return try self.run(model: run.teacher, guidance: ClassifierFreeGuidance(scale: 1), sampler: sampler, train: run.train,
                            heldOut: run.heldOut, perClass: perClass, seed: seed, folder: out ?? runFolder, classifierFolder: run.classifierFolder,
                            name: name, save: save, reward: scorer, conditioner: run.conditioner, components: components,
                            samplerDescription: trained, print: print)
    }

    /// `"1000 samples (100 per class)"`, or `"500 samples"` for data without classes.
    public static func count(_ labels: [Int], perClass: Int) -> String {
        labels.count == perClass ? "\(labels.count) samples" : "\(labels.count) samples (\(perClass) per class)"
    }

    /// A registered reward (or plugin) for the teacher's data.
    static func makeReward(_ spec: ComponentSpec, teacherRun: TeacherRun, seed: UInt64, components: Components) throws -> (any RewardModel)? {
        let context = RunContext(teacher: teacherRun.teacher, train: teacherRun.train, seed: seed, classifierFolder: teacherRun.classifierFolder)
        return try components.rewards.make(spec, context: context, path: "reward")
    }
}
