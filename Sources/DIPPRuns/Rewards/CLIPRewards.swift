import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DIPPText
import DiffInstruct
import Foundation

/// What a CLIP reward needs of the run's data: images, their shape, and a prompt per sample.
struct CLIPRewardImages {
    let channels: Int, height: Int, width: Int
    let classNames: [String]

    init(_ train: LabeledDataset, spec: String) throws {
        guard let size = train.imageSize, train.dimension % (size.height * size.width) == 0,
              [1, 3].contains(train.dimension / (size.height * size.width)) else {
            throw ConfigurationError(location: "reward '\(spec)'", what: "the data \(train.name) is not images (samples of \(train.sampleShape))",
                                     hint: "CLIP rewards score images with 1 or 3 channels: an image data set or text-to-3d's renders")
        }
        (height, width, channels) = (size.height, size.width, train.dimension / (size.height * size.width))
        classNames = train.classNames
    }
}

/// `clip-score:DIR`: `r(x, p) = s·cos(f_I(x), f_T(p))` with a `transformers` `CLIPModel` from
/// `DIR` (PickScore's formula at `s = 100`; PickScore and HPS v2 are CLIP models). The prompt
/// `p` of a sample is its text condition; a sample without one (class labels, or `∅`) takes
/// `template` with `{class}` replaced by its class name, or `prompt` when it has no class.
/// `f_T(p)` is computed once per prompt; `∇ₓ r` flows through the differentiable preprocessing
/// (``CLIPImagePreprocessor``) and the vision tower.
public final class CLIPScoreReward: RewardModel, ComponentRegistration {
    public let model: CLIPModel
    public let options: Options
    let images: CLIPRewardImages
    public let name: String
    /// `f̂_T` per prompt: ``CLIPTextEncoder``'s embedding, cached.
    let textFeatures: PromptEmbeddingCache

    public struct Options: Codable, Sendable, Equatable {
        /// `s`.
        public var scale: Float = 100
        /// The prompt of a labelled sample without text; `{class}` becomes its class name.
        public var template = "{class}"
        /// The prompt of a sample with neither text nor class.
        public var prompt = ""
        public init() {}
    }

    init(model: CLIPModel, options: Options, images: CLIPRewardImages, name: String) {
        (self.model, self.options, self.images, self.name) = (model, options, images, name)
        textFeatures = PromptEmbeddingCache(encoder: CLIPTextEncoder(model: model))
    }

    public static func register(in components: Components) {
        components.rewards.registerResolver(pattern: "clip-score:DIR",
                                            summary: "s·cos(image, prompt) of a transformers CLIPModel folder (PickScore's formula at s = 100; options scale, template, prompt)",
                                            matches: { $0.hasPrefix("clip-score:") }) { spec, context, path in
            let options = try ComponentRegistry<(any RewardModel)?, RunContext>.decodeOptions(spec, over: Options(), path: path)
            let images = try CLIPRewardImages(context.train, spec: spec.name)
            let model = try CLIPModel.shared(folder: URL(fileURLWithPath: String(spec.name.dropFirst("clip-score:".count))))
            return CLIPScoreReward(model: model, options: options, images: images, name: spec.name)
        }
    }

    /// The prompt each sample is scored against.
    public func prompts(_ conditions: Conditions) -> [String] {
        (0..<conditions.count).map { i in
            if !conditions.isNull[i], let prompt = conditions.text?.prompts?[i] { return prompt }
            let label = conditions.labels[i]
            if label >= 0 && label < images.classNames.count { return options.template.replacingOccurrences(of: "{class}", with: images.classNames[label]) }
            return options.prompt
        }
    }

    /// `f̂_T` of each prompt `[N, P]`, computed once per prompt (a constant of the reward).
    func normalizedTextFeatures(_ prompts: [String]) -> Tensor {
        Tensor(shape: [prompts.count, textFeatures.dimension], storage: textFeatures.embeddings(prompts))
    }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let image = CLIPModel.normalized(model.imageFeatures(images: x, channels: images.channels, height: images.height, width: images.width))
        return (image * normalizedTextFeatures(prompts(conditions))).sum(axis: 1) * options.scale
    }
}

/// `aesthetic:DIR`: the LAION improved-aesthetic-predictor score `r(x) = head(f̂_I(x))` with
/// `DIR/clip/` a `transformers` `CLIPModel` folder and `DIR/head.safetensors` the head
/// (``AestheticHead``; `Scripts/convert_clip_reward.py aesthetic` writes this layout from LAION's
/// `.pth`). Prompt-free.
public struct AestheticReward: RewardModel, ComponentRegistration {
    public let model: CLIPModel
    public let head: AestheticHead
    let images: CLIPRewardImages
    public let name: String

    public static func register(in components: Components) {
        components.rewards.registerResolver(pattern: "aesthetic:DIR",
                                            summary: "the LAION aesthetic head on CLIP image embeddings (DIR holds clip/ and head.safetensors)",
                                            matches: { $0.hasPrefix("aesthetic:") }) { spec, context, _ in
            let folder = URL(fileURLWithPath: String(spec.name.dropFirst("aesthetic:".count)))
            let images = try CLIPRewardImages(context.train, spec: spec.name)
            let model = try CLIPModel.shared(folder: folder.appendingPathComponent("clip"))
            let head = try AestheticHead(file: folder.appendingPathComponent("head.safetensors"), inputSize: model.configuration.projectionSize)
            return AestheticReward(model: model, head: head, images: images, name: spec.name)
        }
    }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        head(CLIPModel.normalized(model.imageFeatures(images: x, channels: images.channels, height: images.height, width: images.width)))
    }
}
