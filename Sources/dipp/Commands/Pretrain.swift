import ArgumentParser
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation

/// `dipp pretrain`: train a teacher diffusion model, then sample and report.
struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-train an EDM teacher (resumes from the newest checkpoint in --out), then sample and report.",
        discussion: "Settings come from --config (JSON; see Documentation/Configuration.md), then the flags below."
    )

    @Option(help: "JSON configuration file (unknown keys are rejected).") var config: String?
    @Option(help: "Data set: gmm2d, digits or fashion-mnist.") var data: String?
    @Option(help: "Data file or folder instead of the default location.") var dataFile: String?
    @Option(help: "Training steps.") var steps: Int?
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "Adam learning rate.") var learningRate: Float?
    @Option(help: "Steps between checkpoints.") var checkpointEvery: Int?
    @Option(help: "Seed.") var seed: UInt64?
    @Option(help: "Run folder (checkpoints, configuration, samples, report).") var out: String = "runs/teacher"
    @Option(help: "Samples per class for the report and the PNG.") var perClass: Int = 100
    @Flag(help: "Skip sampling and the report.") var noReport = false
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try reportingErrors {
            try compute.apply()
            var c = try config.map { try ConfigurationFile.read($0, over: TeacherTrainingConfiguration()) } ?? TeacherTrainingConfiguration()
            if let v = data { c.data = v }
            if let v = dataFile { c.dataFile = v }
            if let v = steps { c.steps = v }
            if let v = batchSize { c.batchSize = v }
            if let v = learningRate { c.learningRate = v }
            if let v = checkpointEvery { c.checkpointEvery = v }
            if let v = seed { c.seed = v }
            let folder = URL(fileURLWithPath: out)
            let start = Date()
            let trainer = try TeacherTrainer(configuration: c, folder: folder)
            print("pretrain: \(c.data) (\(trainer.data.count) training samples, \(trainer.heldOut.count) held out), \(trainer.model.configuration.architecture) denoiser with \(trainer.model.parameterCount) parameters → \(folder.path)")
            let teacher = try trainer.run { print($0) }
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "trained %d steps in %.1f s", c.steps, seconds))
            guard !noReport else { return }
            let sampler = try Components.standard().samplers.make("heun", context: SamplerContext(), path: "sampler")
            try SampleReport.run(model: teacher, guidance: ClassifierFreeGuidance(scale: 1), sampler: sampler,
                                 train: trainer.data, heldOut: trainer.heldOut, perClass: perClass, seed: c.seed,
                                 folder: folder, classifierFolder: folder.deletingLastPathComponent().appendingPathComponent("classifiers"),
                                 name: "teacher", trainingSeconds: seconds)
        }
    }
}
