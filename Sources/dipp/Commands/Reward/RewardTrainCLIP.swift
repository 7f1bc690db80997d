import ArgumentParser
import DIPPRuns
import Foundation

struct RewardTrainCLIP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-clip", abstract: "Train a small CLIP on captioned images (contrastive InfoNCE), saved in transformers' CLIPModel layout.",
        discussion: """
        Writes config.json, model.safetensors, vocab.json, merges.txt, preprocessor_config.json and report.json into --out \
        (held-out image→caption retrieval against one plain caption per class). Use it as a reward (`--reward clip-score:RUN`) \
        or a text encoder (`--text-encoder clip:RUN`); transformers' CLIPModel.from_pretrained reads it too.
        """)

    static var defaults: CLIPTrainingConfiguration { CLIPTrainingConfiguration() }

    @Option(help: "Captioned image data (default: \(Self.defaults.data)).") var data: String?
    @Option(help: "Data file or folder instead of the default location.") var dataFile: String?
    @Option(help: "Folder for the model and its report.") var out: String
    @Option(help: "Training steps (default: \(Self.defaults.steps)).") var steps: Int?
    @Option(help: "Batch size (default: \(Self.defaults.batchSize)).") var batchSize: Int?
    @Option(help: "Adam learning rate (default: \(Self.defaults.learningRate)).") var learningRate: Float?
    @Option(help: "Width of both towers and the joint space (default: \(Self.defaults.width)).") var width: Int?
    @Option(help: "Transformer layers per tower (default: \(Self.defaults.layers)).") var layers: Int?
    @Option(help: "Vision patch size in pixels (default: \(Self.defaults.patchSize)).") var patchSize: Int?
    @Option(help: "Most BPE merges learned from the captions (default: \(Self.defaults.merges)).") var merges: Int?
    @Option(help: "A folder with vocab.json and merges.txt to use instead of learning a vocabulary.") var vocabulary: String?
    @Option(help: "Seed: data split (as the teacher's of the same seed), weights, batches (default: \(Self.defaults.seed)).") var seed: UInt64?
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        for (name, value) in [("--steps", steps), ("--batch-size", batchSize), ("--width", width), ("--layers", layers), ("--patch-size", patchSize)] {
            if let value, value < 1 { throw ValidationError("\(name) must be positive") }
        }
        if let batchSize, batchSize < 2 { throw ValidationError("--batch-size must be at least 2 (the loss contrasts the batch)") }
    }

    func run() throws {
        try reportingErrors {
            try compute.apply()
            var c = Self.defaults
            if let data { c.data = data }
            if let dataFile { c.dataFile = dataFile }
            if let steps { c.steps = steps }
            if let batchSize { c.batchSize = batchSize }
            if let learningRate { c.learningRate = learningRate }
            if let width { c.width = width }
            if let layers { c.layers = layers }
            if let patchSize { c.patchSize = patchSize }
            if let merges { c.merges = merges }
            if let vocabulary { c.vocabulary = vocabulary }
            if let seed { c.seed = seed }
            guard c.width % c.heads == 0 else { throw ValidationError("--width must be a multiple of \(c.heads) (the heads)") }
            try CLIPTraining.train(c, folder: URL(fileURLWithPath: out), components: CLI.components)
        }
    }
}
