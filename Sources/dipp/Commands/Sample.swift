import ArgumentParser
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// `dipp sample`: Heun samples (with optional CFG) from a pre-trained teacher, with the report.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sample a teacher (Heun) or a generator (one step) to a PNG (grid per class, or 2-D scatter) and report its metrics.")

    @Option(help: "Run folder of `dipp pretrain` (Heun sampling).") var model: String?
    @Option(help: "Run folder of `dipp distill` / `dipp align` (one-step sampling).") var generator: String?
    @Option(help: "Heun steps N (2N−1 evaluations).") var steps: Int = 18
    @Option(help: "Classifier-free guidance scale α (1 = none).") var cfg: Float = 1
    @Option(help: "Samples per class.") var perClass: Int = 100
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Name of the outputs (samples-<name>.png, report-<name>.json) in the run folder.") var name: String?
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try reportingErrors {
            try compute.apply()
            guard steps >= 1, perClass >= 1 else { throw ValidationError("--steps and --per-class must be positive") }
            guard (model == nil) != (generator == nil) else {
                throw ValidationError("give exactly one of --model (a teacher run) or --generator (a distill/align run)")
            }
            if let generator {
                let folder = URL(fileURLWithPath: generator)
                let run = try AlignmentRun.finished(runFolder: folder, loadPlugins: loadPlugins)
                let report = try AlignmentRun.evaluate(run.generator, train: run.train, heldOut: run.heldOut, perClass: perClass, seed: seed,
                                                       folder: folder, name: name ?? "one-step", classifierFolder: run.classifierFolder)
                try ConfigurationFile.write(report, to: folder.appendingPathComponent("report-\(name ?? "one-step").json"))
                print(report.summary)
                return
            }
            let folder = URL(fileURLWithPath: model!)
            let teacher = try EDMDenoiser.load(runFolder: folder)
            let c = try ConfigurationFile.read(folder.appendingPathComponent("config.json").path, over: TeacherTrainingConfiguration())
            let all = try DataSets.load(c.data, file: c.dataFile.isEmpty ? nil : c.dataFile, seed: c.seed)
            let (train, heldOut) = all.split(fraction: c.trainFraction, seed: c.seed)
            try SampleReport.run(model: teacher, guidance: ClassifierFreeGuidance(scale: cfg), sampler: HeunSampler(steps: steps),
                                 train: train, heldOut: heldOut, perClass: perClass, seed: seed, folder: folder,
                                 name: name ?? "heun\(steps)-cfg\(cfg)")
        }
    }
}
