import ArgumentParser
import DIPPComponents
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

    static var defaults: TeacherTrainingConfiguration { TeacherTrainingConfiguration() }

    @Option(help: "JSON configuration file (unknown keys are rejected; see --show-config).") var config: String?
    @Option(help: ArgumentHelp("Data set (default: \(Self.defaults.data); `dipp components \"data set\"` describes them; digits-text needs Scripts/install-text-encoder).",
                               valueName: CLI.valueName("data set"))) var data: String?
    @Option(help: "Data file or folder instead of the default location.") var dataFile: String?
    @Option(help: ArgumentHelp("Text encoder of captioned data (default: \(Self.defaults.textEncoder); clip:DIR reads a transformers CLIPModel folder's text tower).",
                               valueName: CLI.valueName("text encoder"))) var textEncoder: String?
    @Option(help: "Image folders (images:DIR): resize (shorter side) and centre-crop every image to N×N, N a multiple of 4 from 8 to 64 (default: the images' own size).")
    var resolution: Int?
    @Option(help: "Image folders: 1 (grey) or 3 (RGB) channels (default: grey only when every image is grey).") var imageChannels: Int?
    @Option(help: "Captioned data: tokens (attention over the caption's token embeddings) or pooled (the sentence embedding) (default: tokens for digits-text, else pooled).")
    var textConditioning: String?
    @Option(help: "Captioned data: probability a caption is rewritten (context phrase, style word, word order) (default: 0.5 for digits-text, else 0).")
    var captionAugmentation: Double?
    @Flag(help: "Mirror each training image left–right with probability ½ (augmentation for [C, H, W] images).") var horizontalFlip = false
    @Option(help: ArgumentHelp("Denoiser architecture (default: the data's: mlp for vectors, unet2d for image folders, unet for the built-in images).",
                               valueName: CLI.valueName("denoiser architecture"))) var architecture: String?
    @Option(help: "Training steps (default: \(Self.defaults.steps)).") var steps: Int?
    @Option(help: "Batch size (default: \(Self.defaults.batchSize)).") var batchSize: Int?
    @Option(help: "Adam learning rate (default: \(Self.defaults.learningRate)).") var learningRate: Float?
    @Option(help: "Steps between checkpoints (default: \(Self.defaults.checkpointEvery)).") var checkpointEvery: Int?
    @Option(help: "Seed (default: \(Self.defaults.seed)).") var seed: UInt64?
    @Option(help: "Run folder (checkpoints, configuration, samples, report).") var out: String = "runs/teacher"
    @Option(help: "Samples per class for the report and the PNG.") var perClass: Int = 100
    @Flag(help: "Skip sampling and the report.") var noReport = false
    @Flag(help: "Print every setting of the resolved configuration with where it came from (default, file, flag), then exit.")
    var showConfig = false
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard perClass >= 1 else { throw ValidationError("--per-class must be positive (it is checked before training, not after)") }
    }

    func run() throws {
        try reportingErrors {
            try compute.apply()
            var provenance = ConfigurationProvenance()
            var c = try provenance.start(defaults: Self.defaults, file: config)
            var flags = FlagStage()
            flags.set(data, "data") { c.data = $0 }
            flags.set(dataFile, "dataFile") { c.dataFile = $0 }
            flags.set(textEncoder, "textEncoder") { c.textEncoder = $0 }
            flags.set(textConditioning, "textConditioning") { c.textConditioning = $0 }
            flags.set(captionAugmentation, "captionAugmentation") { c.captionAugmentation = $0 }
            flags.set(resolution, "resolution") { c.resolution = $0 }
            flags.set(imageChannels, "imageChannels") { c.imageChannels = $0 }
            flags.set(architecture, "architecture") { c.architecture = $0 }
            flags.set(horizontalFlip ? true : nil, "horizontalFlip") { c.horizontalFlip = $0 }
            flags.set(steps, "steps") { c.steps = $0 }
            flags.set(batchSize, "batchSize") { c.batchSize = $0 }
            flags.set(learningRate, "learningRate") { c.learningRate = $0 }
            flags.set(checkpointEvery, "checkpointEvery") { c.checkpointEvery = $0 }
            flags.set(seed, "seed") { c.seed = $0 }
            try provenance.record("flag", c, explicit: flags.keys)
            if showConfig {
                print(provenance.text, terminator: "")
                return
            }
            let folder = URL(fileURLWithPath: out)
            let start = Date()
            try withCommunicator { communicator in
                let trainer = try TeacherTrainer(configuration: c, folder: folder, components: CLI.components, communicator: communicator)
                guard communicator.isRoot else {   // the other ranks of an mpirun job train; rank 0 writes and reports
                    _ = try trainer.run(progress: false)
                    return
                }
                if communicator.size > 1 { print("data-parallel over \(communicator.size) processes (MPI), \(Compute.threads) thread(s) each") }
                print("pretrain: \(c.data) (\(trainer.data.count) training samples, \(trainer.heldOut.count) held out), \(trainer.model.configuration.architecture) denoiser with \(trainer.model.parameterCount) parameters → \(folder.path)")
                let teacher = try trainer.run { print($0) }
                let seconds = Date().timeIntervalSince(start)
                print(String(format: "trained %d steps in %.1f s", c.steps, seconds))
                guard !noReport else { return }
                let sampler = try CLI.components.samplers.make("heun", context: SamplerContext(), path: "sampler")
                try SampleReport.run(model: teacher, guidance: ClassifierFreeGuidance(scale: 1), sampler: sampler,
                                     train: trainer.data, heldOut: trainer.heldOut, perClass: perClass, seed: c.seed,
                                     folder: folder, classifierFolder: folder.deletingLastPathComponent().appendingPathComponent("classifiers"),
                                     name: "teacher", trainingSeconds: seconds, conditioner: trainer.conditioner, components: CLI.components)
            }
        }
    }
}
