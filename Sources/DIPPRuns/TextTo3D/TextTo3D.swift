import DIPPComponents
import DIPPData
import DIPPEvaluation
import DIPPNN
import DIPPRender
import DIPPTensor
import DiffInstruct
import Foundation

/// `dipp text-to-3d`: DI++ with a 3-D field as the generator — `x₀ = render(θ, cam)`, a random
/// camera per sample inside the condition, the teacher and the TA both camera-conditioned
/// (ProlificDreamer's VSD is this with IKL and no reward). One ``AlignmentRun`` does the
/// training (checkpoints, logs, exact resume); ``FieldEvaluation`` measures the field and
/// writes the turntable, the field, the mesh and the report.
public enum TextTo3D {
    /// The defaults for one prompt on a `shapes3d` teacher (`Documentation/TextTo3D.md` says why):
    /// the voxel field, IKL, 8 views per step for 400 steps, Adam (β₁ 0.9) at 0.05 on the field's
    /// raw values, EMA 0.9, teacher CFG 3; no quality probe and no per-class report (one field).
    public static var defaults: RunConfiguration {
        var c = RunConfiguration()
        c.generator = "voxel"
        c.reportPerClass = 0
        c.progressEvery = 0
        var a = DIPPConfiguration()
        a.steps = 400
        a.batchSize = 8
        a.generatorLearningRate = 0.05
        a.assistantLearningRate = 1e-4
        a.beta1 = 0.9
        a.emaDecay = 0.9
        a.teacherGuidance = 3
        a.checkpointEvery = 100
        c.algorithm = a
        return c
    }

    /// Trains the field of `configuration.prompts[0]` in `folder` and measures it; writes
    /// `report.json` and `report.md` beside the field's outputs (rank 0 of `communicator`'s job;
    /// the other ranks use ``prepare(_:folder:components:communicator:)`` and train).
    @discardableResult
    public static func run(_ configuration: RunConfiguration, folder: URL, components: Components, progress: Bool = true,
                           communicator: any Communicator = SingleProcess(), log: (String) -> Void = { _ in }) throws -> FieldReport {
        let (run, renderer, prompt) = try prepare(configuration, folder: folder, components: components, communicator: communicator)
        let summary = try run.train(progress: progress, log: log)
        let classifier = try FieldEvaluation.classifier(renderer: renderer, folder: run.classifierFolder)
        var report = try FieldEvaluation.measure(run.generator, renderer: renderer, prompt: prompt, folder: folder, classifier: classifier)
        (report.steps, report.seconds) = (summary.steps, summary.seconds)
        if let reward = run.reward {
            report.rewardName = reward.name
            report.initialMeanReward = summary.initialReward.map(Double.init)
            report.meanReward = Double(run.meanReward(reward, of: run.generator))
        }
        try write(report, to: folder)
        return report
    }

    /// The run of `configuration.prompts[0]`, its renderer and its prompt (one rank of
    /// `communicator`'s job: the ranks other than 0 call `train` on it and stop there).
    public static func prepare(_ configuration: RunConfiguration, folder: URL, components: Components,
                               communicator: any Communicator = SingleProcess()) throws -> (AlignmentRun, VolumeRenderer, String) {
        guard configuration.prompts.count == 1, let prompt = configuration.prompts.first else {
            throw ConfigurationError(location: "configuration, key 'prompts'", what: "text-to-3D trains one field for one prompt, got \(configuration.prompts.count)",
                                     hint: "pass --prompt \"a red torus\"")
        }
        if configuration.teacher.hasPrefix(TeacherRun.importPrefix) {
            throw ConfigurationError(location: "configuration, key 'teacher'", what: "\(configuration.teacher) is a diffusers UNet2DModel, which reads no camera",
                                     hint: "text-to-3D needs a camera-conditioned teacher: dipp pretrain --data shapes3d")
        }
        let run = try AlignmentRun(configuration: configuration, folder: folder, components: components, communicator: communicator)
        run.progressLabel = "text-to-3d"
        guard run.train.kind == .renderedViews, let size = run.train.imageSize?.height else {
            throw ConfigurationError(location: "configuration, key 'teacher'", what: "the teacher's data \(run.train.name) has no cameras",
                                     hint: "text-to-3D needs a teacher trained with --data shapes3d")
        }
        return (run, (run.generator as? VoxelFieldGenerator)?.renderer ?? VolumeRenderer(imageSize: size), prompt)
    }

    /// Fits the field directly to ground-truth renders of `object` — `mean ‖render(θ, cam) −
    /// render(truth, cam)‖²` over random cameras, the same optimiser — the ceiling DI++ is
    /// measured against.
    public static func fitGroundTruth(_ object: Shapes3D.Object, field: VoxelFieldGenerator, steps: Int, batchSize: Int = 8,
                                      learningRate: Float = 0.05, seed: UInt64) throws -> VoxelFieldGenerator {
        let truth = Shapes3D.field(object, size: Shapes3D.fieldSize), renderer = field.renderer
        var adam = Adam(.init(learningRate: learningRate, beta1: 0.9, beta2: 0.999))
        var rng = RandomStream(seed: seed, .diffInstructTraining)
        for step in 0..<steps {
            let cameras = (0..<batchSize).map { _ in Shapes3D.randomCamera(renderer, rng: &rng) }
            let target = withoutGradients { renderer.render(cameras, grid: truth).image }
            let loss = (renderer.render(cameras, field: field.evaluate).image - target).square().mean()
            _ = try applyGradientStep(Tensor.gradients(of: loss, withRespectTo: field.parameters), to: field.parameters, optimizer: &adam,
                                      clip: 0, what: "the field's gradient", at: "ground-truth fit step \(step + 1)")
        }
        return field
    }

    /// `dipp text-to-3d --fit-ground-truth`: builds the configuration's generator (the voxel
    /// field) for `teacherRun`'s data, fits it to `object` for `configuration.algorithm.steps`
    /// steps, measures it into `folder` and writes its report; `seconds` is the fit's time.
    @discardableResult
    public static func fitGroundTruth(_ object: Shapes3D.Object, configuration c: RunConfiguration, teacherRun: TeacherRun, folder: URL,
                                      components: Components) throws -> FieldReport {
        let context = RunContext(teacher: teacherRun.teacher, train: teacherRun.train, seed: c.algorithm.seed, classifierFolder: teacherRun.classifierFolder)
        guard let built = try components.generators.make(c.generator, context: context, path: "generator") as? VoxelFieldGenerator else {
            throw ConfigurationError(location: "configuration, key 'generator'", what: "\(c.generator.name) is not the voxel field",
                                     hint: "the ground-truth fit fits --generator voxel")
        }
        let start = Date()
        let field = try fitGroundTruth(object, field: built, steps: c.algorithm.steps, seed: c.algorithm.seed)
        let seconds = Date().timeIntervalSince(start)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let classifier = try FieldEvaluation.classifier(renderer: field.renderer, folder: teacherRun.classifierFolder)
        var report = try FieldEvaluation.measure(field, renderer: field.renderer, prompt: object.prompt, folder: folder, classifier: classifier)
        (report.steps, report.seconds) = (c.algorithm.steps, seconds)
        try write(report, to: folder)
        return report
    }

    /// `report.json` and a short `report.md`.
    public static func write(_ report: FieldReport, to folder: URL) throws {
        try ConfigurationFile.write(report, to: folder.appendingPathComponent("report.json"))
        func value(_ x: Double?, _ format: String = "%.3f") -> String { x.map { String(format: format, $0) } ?? "–" }
        var lines = ["# Text-to-3D: \(report.prompt)", "",
                     "| IoU vs d < 0 | Chamfer | F-score (τ \(FieldEvaluation.fScoreTolerance)) | IoU (opacity rule) | PSNR (dB) | shape agreement | colour agreement | both | saturation (truth) | mesh |",
                     "|---|---|---|---|---|---|---|---|---|---|",
                     "| \(value(report.iouSignedDistance)) | \(value(report.chamfer, "%.4f")) | \(value(report.fScore)) | \(value(report.iou)) | "
                     + "\(value(report.psnr, "%.2f")) | \(value(report.shapeAgreement, "%.2f")) | "
                     + "\(value(report.colourAgreement, "%.2f")) | \(value(report.agreement, "%.2f")) | "
                     + "\(value(report.saturation, "%.2f")) (\(value(report.groundTruthSaturation, "%.2f"))) | "
                     + (report.meshVertices.map { "\($0) vertices, \(report.meshFaces ?? 0) faces |" } ?? "– (the generator's density cannot be queried) |"), ""]
        lines.append("Measured on the EMA field: its renders from the 8 evaluation cameras, its density on the \(FieldEvaluation.evaluationSize)³ grid, "
                     + "\(FieldEvaluation.surfaceSampleCount) points on its mesh (seed 0).")
        if let name = report.rewardName {
            lines.append("Reward \(name): \(value(report.initialMeanReward, "%.4f")) → \(value(report.meanReward, "%.4f")).")
        }
        if let steps = report.steps, let seconds = report.seconds { lines.append(String(format: "%d steps in %.1f s.", steps, seconds)) }
        lines += ["", "Files: `turntable.png`, `evaluation.png` (field above, ground truth below)"
                  + (report.meshVertices == nil ? "." : ", `field.safetensors`, `mesh.ply`.")]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("report.md"), options: .atomic)
    }
}
