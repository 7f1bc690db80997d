import DIPPData
import DIPPNN
import DIPPTensor
import Foundation

/// The in-project classifier used to evaluate image generators (and, as `ClassifierReward`, a reward):
/// an MLP on flattened samples. Its penultimate activations are the feature space of FD-digits
/// and FD-fashion. Trained here on the real training images, seeded and checkpointed.
public struct Classifier: Layer {
    public struct Configuration: Codable, Sendable, Equatable {
        public var hidden: [Int] = [256, 128]
        public var epochs: Int = 40
        public var batchSize: Int = 64
        public var learningRate: Float = 1e-3
        /// Std of Gaussian noise added to training inputs (makes it robust to generated samples).
        public var inputNoise: Float = 0.1
        public var seed: UInt64 = 0

        public init(hidden: [Int] = [256, 128], epochs: Int = 40, batchSize: Int = 64, learningRate: Float = 1e-3,
                    inputNoise: Float = 0.1, seed: UInt64 = 0) {
            (self.hidden, self.epochs, self.batchSize, self.learningRate, self.inputNoise, self.seed) =
                (hidden, epochs, batchSize, learningRate, inputNoise, seed)
        }
    }

    public let layers: [Linear]
    public let inputDimension: Int

    public init(inputDimension: Int, classCount: Int, hidden: [Int], rng: inout RandomStream) {
        let sizes = [inputDimension] + hidden + [classCount]
        var built: [Linear] = []
        for (a, b) in zip(sizes, sizes.dropFirst()) { built.append(Linear(inputSize: a, outputSize: b, rng: &rng)) }
        layers = built
        self.inputDimension = inputDimension
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element) }
    }

    /// Penultimate features `[N, hidden.last]` of `[N, …]` samples.
    public func features(_ x: Tensor) -> Tensor {
        var h = x.reshaped([x.shape[0], inputDimension])
        for layer in layers.dropLast() { h = layer(h).silu() }
        return h
    }

    /// Class logits `[N, classes]`.
    public func logits(_ x: Tensor) -> Tensor { layers.last!(features(x)) }

    /// `log p(c | x)` per sample (`[N]`), differentiable in `x`.
    public func logProbability(_ x: Tensor, labels: [Int]) -> Tensor {
        let logp = logits(x).logSoftmax()
        let classes = logp.shape[1]
        return logp.reshaped([logp.count]).indexSelect(axis: 0, indices: labels.enumerated().map { $0.offset * classes + $0.element })
    }

    /// Predicted classes (evaluated in batches, no gradients).
    public func predict(_ x: Tensor) -> [Int] {
        withoutGradients {
            let l = logits(x)
            let c = l.shape[1]
            return (0..<l.shape[0]).map { i in (0..<c).max { l.storage[i * c + $0] < l.storage[i * c + $1] }! }
        }
    }

    /// Fraction of `x` predicted as `labels`.
    public func accuracy(_ x: Tensor, labels: [Int]) -> Double {
        let predicted = predict(x)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
    }

    /// Trains on `data` with Adam and cross-entropy (seeded, deterministic), through the shared
    /// checked gradient step: a non-finite gradient stops training with ``NonFiniteValueError``.
    public static func train(on data: LabeledDataset, configuration c: Configuration, progress: Bool = false) throws -> Classifier {
        var rng = RandomStream(seed: c.seed, .classifierTraining)
        let model = Classifier(inputDimension: data.dimension, classCount: data.classCount, hidden: c.hidden, rng: &rng)
        var adam = Adam(.init(learningRate: c.learningRate))
        let batches = max(data.count / c.batchSize, 1)
        let reporter = progress ? ProgressReporter(total: c.epochs * batches, label: "classifier") : nil
        for epoch in 0..<c.epochs {
            let order = rng.permutation(data.count)
            for b in 0..<batches {
                let (x, y) = data.batch(Array(order[(b * c.batchSize)..<min((b + 1) * c.batchSize, data.count)]))
                let noisy = x + Tensor.randomNormal(x.shape, using: &rng) * c.inputNoise
                let loss = model.logits(noisy).crossEntropy(labels: y)
                _ = try applyGradientStep(Tensor.gradients(of: loss, withRespectTo: model.parameters), to: model.parameters, optimizer: &adam,
                                          clip: 0, what: "the gradient norm", at: "classifier training, epoch \(epoch + 1), batch \(b + 1)")
                reporter?.update(step: epoch * batches + b + 1, metrics: [("loss", loss.scalar)])
            }
        }
        return model
    }

    /// Loads the classifier cached in `folder` for this data set and configuration, or trains
    /// and saves it there (`classifier-<data>-<content hash>.safetensors` + `.json`).
    public static func loadOrTrain(on data: LabeledDataset, configuration: Configuration, folder: URL,
                                   progress: Bool = false) throws -> Classifier {
        let key = "\(data.name)-\(data.contentHash)"   // by content: other data under the same name trains its own
        let weights = folder.appendingPathComponent("classifier-\(key).safetensors")
        let settings = folder.appendingPathComponent("classifier-\(key).json")
        if let saved = FileManager.default.contents(atPath: settings.path),
           (try? JSONDecoder().decode(Configuration.self, from: saved)) == configuration,
           let contents = try? SafeTensors.read(contentsOf: weights) {
            var rng = RandomStream(seed: 0)
            let model = Classifier(inputDimension: data.dimension, classCount: data.classCount, hidden: configuration.hidden, rng: &rng)
            if (try? model.load(contents.tensors, source: weights.path)) != nil { return model }
        }
        let model = try train(on: data, configuration: configuration, progress: progress)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafeTensors.write(model.stateDictionary(), metadata: ["data": data.name], to: weights)
        try ConfigurationFile.write(configuration, to: settings)
        return model
    }
}
