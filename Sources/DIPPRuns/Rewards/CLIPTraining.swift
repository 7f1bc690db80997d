import DIPPComponents
import DIPPData
import DIPPNN
import DIPPTensor
import DIPPText
import Foundation

/// `dipp reward train-clip`: a small CLIP trained on a captioned image data set (`digits-text`, or
/// an image folder with captions), saved in `transformers`' `CLIPModel` layout so that
/// `clip-score:RUN`, `clip:RUN` and `transformers` itself read it.
///
/// The vocabulary is byte-level BPE learned from the training captions
/// (``CLIPTokenizer/learnMerges(from:maximumMerges:minimumCount:)``), or a given folder's. Each
/// step draws a batch of images with one of their captions each and takes an Adam step on
/// ``CLIPContrastiveLoss``; the logit scale `s` is kept ≤ ln 100.
public struct CLIPTrainingConfiguration: Codable, Sendable, Equatable {
    public var data = "digits-text"
    public var dataFile = ""
    public var steps = 3000
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    public var seed: UInt64 = 0
    /// Width of both towers and of the joint space.
    public var width = 64
    public var layers = 2
    public var heads = 4
    public var patchSize = 2
    /// At most this many BPE merges are learned (ignored with `vocabulary`).
    public var merges = 300
    /// A folder whose `vocab.json` and `merges.txt` are used instead of learning them.
    public var vocabulary = ""
    public init() {}
}

public enum CLIPTraining {
    public struct Report: Codable, Sendable {
        public var configuration: CLIPTrainingConfiguration
        public var vocabularySize: Int
        public var finalLoss: Double
        /// Held-out images, top-1 among one plain caption per class (`prompts`).
        public var heldOutRetrieval: Double
        public var trainRetrieval: Double
        public var prompts: [String]
        public var seconds: Double
    }

    /// Trains into `folder` (the model files plus `report.json`).
    @discardableResult
    public static func train(_ c: CLIPTrainingConfiguration, folder: URL, components: Components = .standard(),
                             log: (String) -> Void = { print($0) }) throws -> (model: CLIPModel, report: Report) {
        let start = Date()
        var data = TeacherTrainingConfiguration()
        (data.data, data.dataFile, data.seed) = (c.data, c.dataFile, c.seed)
        let (train, heldOut) = try data.loadData(components)
        guard let captions = train.captions, let size = train.imageSize, train.classCount > 0 else {
            throw ConfigurationError(location: "--data \(c.data)", what: "the data has no captions, classes or images",
                                     hint: "train-clip needs captioned, labelled images: digits-text, or an image folder with text and label columns")
        }
        let channels = train.dimension / (size.height * size.width)
        guard size.height == size.width, size.height % c.patchSize == 0 else {
            throw ConfigurationError(location: "--patch-size", what: "\(size.height)×\(size.width) images do not split into \(c.patchSize)-pixel patches",
                                     hint: "square images whose side is a multiple of the patch size")
        }
        let tokenizer = c.vocabulary.isEmpty
            ? try CLIPTokenizer(merges: CLIPTokenizer.learnMerges(from: captions.flatMap { $0 }, maximumMerges: c.merges))
            : try CLIPTokenizer(folder: URL(fileURLWithPath: c.vocabulary))
        var configuration = CLIPConfiguration()
        let tower = CLIPConfiguration.Tower(hiddenSize: c.width, intermediateSize: 4 * c.width, layerCount: c.layers, headCount: c.heads)
        (configuration.text, configuration.vision) = (tower, tower)
        configuration.vocabularySize = tokenizer.vocabulary.values.max()! + 1
        configuration.endTokenID = tokenizer.endID
        (configuration.imageSize, configuration.patchSize, configuration.projectionSize) = (size.height, c.patchSize, c.width)
        (configuration.imageMean, configuration.imageStd) = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
        var rng = RandomStream(seed: c.seed, .clipTraining)
        let model = try CLIPModel(configuration: configuration, tokenizer: tokenizer,
                                  weights: SafeTensors.Contents(tensors: CLIPModel.initialWeights(configuration, rng: &rng)),
                                  source: "initial weights", trainable: true, folder: folder)
        let parameters = model.parameters
        var adam = Adam(.init(learningRate: c.learningRate))
        var loss = 0.0
        log("train-clip: \(train.count) images of \(c.data), vocabulary \(configuration.vocabularySize), \(model.parameterCount) parameters")
        for step in 1...c.steps {
            let indices = (0..<c.batchSize).map { _ in rng.integer(below: train.count) }
            let prompts = indices.map { captions[$0][rng.integer(below: captions[$0].count)] }
            let l = CLIPContrastiveLoss.loss(model, images: train.batch(indices).samples, prompts: prompts, channels: channels, side: size.height)
            adam.update(parameters, along: Tensor.gradients(of: l, withRespectTo: parameters))
            model.logitScale.withMutableStorage { $0[0] = Swift.min($0[0], Float(Foundation.log(100.0))) }
            loss = 0.98 * loss + 0.02 * Double(l.scalar)
            if step % 500 == 0 || step == c.steps { log(String(format: "step %d: loss %.4f (running mean)", step, loss / (1 - Foundation.pow(0.98, Double(step))))) }
        }
        model.setTrainable(false)
        let prompts = (0..<train.classCount).map { plainCaption(train, class: $0) }
        let report = Report(configuration: c, vocabularySize: configuration.vocabularySize, finalLoss: loss / (1 - Foundation.pow(0.98, Double(c.steps))),
                            heldOutRetrieval: retrieval(model, heldOut, prompts: prompts, channels: channels),
                            trainRetrieval: retrieval(model, train, prompts: prompts, channels: channels), prompts: prompts,
                            seconds: Date().timeIntervalSince(start))
        try model.write(to: folder)
        try ConfigurationFile.write(report, to: folder.appendingPathComponent("report.json"))
        log(String(format: "retrieval top-1 against %d plain captions: held-out %.3f, training %.3f — wrote %@ (use --reward clip-score:%@)",
                   prompts.count, report.heldOutRetrieval, report.trainRetrieval, folder.path, folder.path))
        return (model, report)
    }

    /// The share of `data`'s images whose most similar prompt (cosine) is their class's.
    public static func retrieval(_ model: CLIPModel, _ data: LabeledDataset, prompts: [String], channels: Int) -> Double {
        let side = data.imageSize!.height
        let text = withoutGradients { CLIPModel.normalized(model.textFeatures(prompts)) }
        var correct = 0
        for start in stride(from: 0, to: data.count, by: 256) {
            let indices = Array(start..<Swift.min(start + 256, data.count))
            let (x, labels) = data.batch(indices)
            let scores = withoutGradients { CLIPModel.normalized(model.imageFeatures(images: x, channels: channels, height: side, width: side)).matmul(text.transposed(0, 1)) }
            for (row, label) in labels.enumerated() {
                let s = scores.storage[(row * prompts.count)..<((row + 1) * prompts.count)]
                if s.firstIndex(of: s.max()!)! - row * prompts.count == label { correct += 1 }
            }
        }
        return Double(correct) / Double(Swift.max(data.count, 1))
    }

    /// One plain caption per class: digits-text's "a handwritten seven"; otherwise the class name.
    static func plainCaption(_ data: LabeledDataset, class c: Int) -> String {
        data.name.hasPrefix("digits") ? DigitCaptions.training(c)[0] : data.classNames[c]
    }
}
