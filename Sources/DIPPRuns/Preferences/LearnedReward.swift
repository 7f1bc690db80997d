import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// A reward model learned from preference pairs: `r_φ(x, c) = MLP([vec(x), e(c)])`, an MLP with
/// SiLU activations on the flattened sample and a condition vector `e(c)` —
/// - **label**: one-hot over `classCount + 1` (the last slot is `∅`);
/// - **prompt**: the pooled text embedding (zeros for `∅`) and a null flag;
/// - **none**: nothing (one reward for every condition).
///
/// Differentiable in `x` through the tape, so DI++ uses it like any built-in reward
/// (`--reward rm:RUN`). Saved as `reward.safetensors` + `reward.json` (``LearnedRewardConfiguration``).
public final class LearnedReward: RewardModel, Layer, ComponentRegistration {
    public let configuration: LearnedRewardConfiguration
    public let layers: [Linear]

    public init(_ configuration: LearnedRewardConfiguration, rng: inout RandomStream) {
        self.configuration = configuration
        let sizes = [configuration.inputSize] + configuration.network.hidden + [1]
        layers = zip(sizes, sizes.dropFirst()).map { Linear(inputSize: $0, outputSize: $1, rng: &rng) }
    }

    /// `rm:RUN`, as the reward was named (`rm` for one not loaded by name).
    public internal(set) var name = "rm"

    public static func register(in components: Components) {
        components.rewards.registerResolver(pattern: "rm:RUN", summary: "a reward model learned from preference pairs (`dipp reward train --out RUN`)",
                                            matches: { $0.hasPrefix("rm:") }) { spec, context, _ in
            let reward = try LearnedReward.load(from: URL(fileURLWithPath: String(spec.name.dropFirst("rm:".count))))
            reward.name = spec.name
            guard reward.configuration.sampleShape == context.train.sampleShape else {
                throw ConfigurationError(location: "reward '\(spec.name)'",
                                         what: "learned on samples of shape \(reward.configuration.sampleShape), the data's are \(context.train.sampleShape)",
                                         hint: "train the reward on pairs drawn from a generator of this teacher's data")
            }
            return reward
        }
    }
    public var expectedSampleShape: [Int]? { configuration.sampleShape }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element) }
    }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let n = x.shape[0]
        var h = x.reshaped([n, configuration.sampleShape.reduce(1, *)])
        let e = conditionVectors(conditions)
        if e.shape[1] > 0 { h = Tensor.concat([h, e], axis: 1) }
        for layer in layers.dropLast() { h = layer(h).silu() }
        return layers.last!(h).reshaped([n])
    }

    /// `e(c)` per sample, `[N, conditionSize]` (a constant: rewards are differentiated in `x` only).
    func conditionVectors(_ conditions: Conditions) -> Tensor {
        let n = conditions.count, width = configuration.conditionSize
        var values = [Float](repeating: 0, count: n * width)
        switch configuration.conditioning {
        case .none:
            break
        case .label:
            for (i, label) in conditions.labels.enumerated() {
                let null = conditions.isNull[i] || label == Conditions.nullLabel || label >= configuration.classCount
                values[i * width + (null ? configuration.classCount : label)] = 1
            }
        case .prompt:
            let d = configuration.textDimension
            let pooled = conditions.text.flatMap { $0.dimension == d ? $0.pooled : nil }
            for i in 0..<n {
                if let pooled, !conditions.isNull[i] {
                    for j in 0..<d { values[i * width + j] = pooled[i * d + j] }
                } else {
                    values[i * width + d] = 1
                }
            }
        }
        return Tensor(shape: [n, width], storage: values)
    }

    // MARK: - Files

    static let weightsFile = "reward.safetensors", configurationFile = "reward.json"

    /// Writes `reward.safetensors` and `reward.json` into `folder`.
    public func save(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafeTensors.write(stateDictionary(), metadata: ["format": "dipp-learned-reward"], to: folder.appendingPathComponent(Self.weightsFile))
        try ConfigurationFile.write(configuration, to: folder.appendingPathComponent(Self.configurationFile))
    }

    /// The reward model saved in `folder` by `dipp reward train`.
    public static func load(from folder: URL) throws -> LearnedReward {
        let settings = folder.appendingPathComponent(configurationFile), weights = folder.appendingPathComponent(weightsFile)
        guard let data = FileManager.default.contents(atPath: settings.path) else {
            throw ConfigurationError(location: settings.path, what: "no learned reward here",
                                     hint: "give the --out folder of `dipp reward train --pairs PAIRS.jsonl --out RUN`")
        }
        let configuration: LearnedRewardConfiguration
        do {
            configuration = try JSONDecoder().decode(LearnedRewardConfiguration.self, from: data)
        } catch {
            throw ConfigurationError(location: settings.path, what: "not a learned-reward configuration (\(PreferencePairs.describe(error)))",
                                     hint: "retrain with `dipp reward train`")
        }
        var rng = RandomStream(seed: 0)
        let model = LearnedReward(configuration, rng: &rng)
        try model.load(try SafeTensors.read(contentsOf: weights).tensors, source: weights.path)
        model.setTrainable(false)
        return model
    }
}

/// What a learned reward reads and how it is built and trained (`reward.json`).
public struct LearnedRewardConfiguration: Codable, Sendable, Equatable {
    public enum Conditioning: String, Codable, Sendable { case none, label, prompt }

    public struct Network: Codable, Sendable, Equatable {
        public var hidden: [Int] = [128, 128]
        public init() {}
    }

    public struct Training: Codable, Sendable, Equatable {
        public var epochs: Int = 50
        public var batchSize: Int = 64
        public var learningRate: Float = 1e-3
        /// AdamW's decoupled weight decay (the pairs are few: a small network, regularised).
        public var weightDecay: Float = 1e-3
        /// Std of Gaussian noise added to both samples of a training pair (robustness to the
        /// generator's drift during DI++; the same noise idea as the in-project classifier).
        public var inputNoise: Float = 0.05
        /// The share of pairs held out for accuracy and calibration (never trained on).
        public var heldOutFraction: Double = 0.2
        /// The share of the remaining pairs used to pick the epoch (early stopping); 0 keeps the last epoch.
        public var validationFraction: Double = 0.1
        public var seed: UInt64 = 0
        public init() {}
    }

    public var sampleShape: [Int]
    public var conditioning: Conditioning
    /// Classes of a label-conditioned reward (0 otherwise).
    public var classCount: Int
    /// `D` of a prompt-conditioned reward's text embedding (0 otherwise).
    public var textDimension: Int
    /// The encoder that embedded the training prompts (DI++ must use a teacher with the same one).
    public var textEncoder: String?
    public var network = Network()
    public var training = Training()

    public init(sampleShape: [Int], conditioning: Conditioning, classCount: Int = 0, textDimension: Int = 0, textEncoder: String? = nil) {
        (self.sampleShape, self.conditioning, self.classCount, self.textDimension, self.textEncoder) =
            (sampleShape, conditioning, classCount, textDimension, textEncoder)
    }

    public var conditionSize: Int {
        switch conditioning {
        case .none: 0
        case .label: classCount + 1
        case .prompt: textDimension + 1
        }
    }

    var inputSize: Int { sampleShape.reduce(1, *) + conditionSize }
}
