import DIPPNN
import DIPPTensor
import Foundation

/// A CLIP model (Radford et al., 2021) read from a `transformers` `CLIPModel` folder
/// (`config.json`, `model.safetensors`, `vocab.json`, `merges.txt`, optionally
/// `preprocessor_config.json`), under the file's weight names:
///
/// image features `f_I = W_v·pool(ViT(p))`, text features `f_T = W_t·pool(Text(ids))` (no
/// biases), and `logits = e^{s}·f̂_I·f̂_Tᵀ` with `f̂ = f/‖f‖` and the learned `s = logit_scale`.
/// PickScore and HPS are CLIP models read this way; their score is `100·cos(f_I, f_T)`.
public final class CLIPModel: Layer {
    public let configuration: CLIPConfiguration
    public let tokenizer: CLIPTokenizer
    public let preprocessor: CLIPImagePreprocessor
    public let vision: CLIPVisionTower
    public let text: CLIPTextTower
    public let visualProjection: Linear, textProjection: Linear
    public let logitScale: Tensor
    /// The folder the model was read from.
    public let folder: URL

    /// Reads `folder`; the weights are frozen unless `trainable`.
    public convenience init(folder: URL, trainable: Bool = false) throws {
        let configuration = try CLIPConfiguration(folder: folder)
        let file = folder.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw TextEncoderError(location: file.path, what: "the weights file is missing",
                                   hint: "a CLIP folder holds model.safetensors (convert a .bin or .pt with Scripts/convert_clip_reward.py)")
        }
        let tokenizer = try CLIPTokenizer(folder: folder, maximumLength: configuration.maximumPositions)
        guard tokenizer.vocabulary.count <= configuration.vocabularySize, tokenizer.endID < configuration.vocabularySize,
              tokenizer.startID < configuration.vocabularySize else {
            throw TextEncoderError(location: folder.appendingPathComponent("vocab.json").path,
                                   what: "the vocabulary has \(tokenizer.vocabulary.count) tokens, the model \(configuration.vocabularySize)",
                                   hint: "use the vocab.json and merges.txt that came with the model")
        }
        try self.init(configuration: configuration, tokenizer: tokenizer, weights: try SafeTensors.read(contentsOf: file),
                      source: file.path, trainable: trainable, folder: folder)
    }

    /// A model from a state dictionary under `transformers`' names (``initialWeights(_:rng:)``
    /// makes a fresh one).
    public init(configuration c: CLIPConfiguration, tokenizer: CLIPTokenizer, weights contents: SafeTensors.Contents, source: String,
                trainable: Bool = false, folder: URL) throws {
        let weights = HuggingFaceWeights(contents: contents, source: source, trainable: trainable)
        (configuration, self.tokenizer, self.folder) = (c, tokenizer, folder)
        preprocessor = CLIPImagePreprocessor(c)
        vision = try CLIPVisionTower(weights, c)
        text = try CLIPTextTower(weights, c)
        visualProjection = try weights.linear("visual_projection", c.vision.hiddenSize, c.projectionSize, bias: false)
        textProjection = try weights.linear("text_projection", c.text.hiddenSize, c.projectionSize, bias: false)
        logitScale = try weights.tensor("logit_scale", [])
    }

    /// Writes the model in `transformers`' layout: `config.json`, `model.safetensors`,
    /// `vocab.json`, `merges.txt`, `preprocessor_config.json`.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var out = HuggingFaceTensors()
        vision.write(into: &out)
        text.write(into: &out)
        out.put("visual_projection", visualProjection)
        out.put("text_projection", textProjection)
        out.put("logit_scale", logitScale)
        try SafeTensors.write(out.tensors, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"))
        try tokenizer.write(to: folder)
        for (name, object) in [("config.json", configuration.huggingFaceConfig), ("preprocessor_config.json", configuration.huggingFacePreprocessorConfig)] {
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: folder.appendingPathComponent(name))
        }
    }

    nonisolated(unsafe) private static var loaded: [String: CLIPModel] = [:]
    private static let lock = NSLock()

    /// The frozen model of `folder`, read once per process (a reward and a text encoder on the
    /// same folder share it).
    public static func shared(folder: URL) throws -> CLIPModel {
        let key = folder.standardizedFileURL.path
        return try lock.withLock {
            if let model = loaded[key] { return model }
            let model = try CLIPModel(folder: folder)
            loaded[key] = model
            return model
        }
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("vision_model", vision) + prefixed("text_model", text) + prefixed("visual_projection", visualProjection)
            + prefixed("text_projection", textProjection) + [("logit_scale", logitScale)]
    }

    /// `f_I` `[B, P]` of normalised pixels `[B, 3, S, S]`.
    public func imageFeatures(pixels: Tensor) -> Tensor { visualProjection(vision(pixels).pooled) }

    /// `f_I` of DIPP images (`[B, C, H, W]` or flat, in [−1, 1]) through ``preprocessor``.
    public func imageFeatures(images: Tensor, channels: Int, height: Int, width: Int) -> Tensor {
        imageFeatures(pixels: preprocessor(images, channels: channels, height: height, width: width))
    }

    /// `f_T` `[B, P]` of token-id sequences.
    public func textFeatures(ids: [[Int]]) -> Tensor { textProjection(text(ids).pooled) }

    /// `f_T` of prompts, tokenised by ``tokenizer``.
    public func textFeatures(_ prompts: [String]) -> Tensor { textFeatures(ids: prompts.map(tokenizer.encode)) }

    /// `logits_per_image [B_I, B_T] = e^{s}·f̂_I·f̂_Tᵀ`.
    public func logits(imageFeatures: Tensor, textFeatures: Tensor) -> Tensor {
        Self.normalized(imageFeatures).matmul(Self.normalized(textFeatures).transposed(0, 1)) * logitScale.exp()
    }

    /// `f / max(‖f‖, 10⁻¹²)` per row.
    public static func normalized(_ f: Tensor) -> Tensor { SentenceEncoder.normalized(f) }
}

/// CLIP's text tower as a DIPP text encoder: a prompt's embedding is its L2-normalised
/// projected feature `f̂_T` (the space the image tower shares), ``CLIPConfiguration/projectionSize`` wide.
public final class CLIPTextEncoder: TextEncoder {
    public let model: CLIPModel
    public let identifier: String
    /// Prompts per forward pass.
    public var batchSize = 64

    public init(model: CLIPModel) {
        self.model = model
        identifier = "clip:" + model.folder.path
    }

    public var dimension: Int { model.configuration.projectionSize }

    /// Each real token's last hidden state through the text projection, `W_t·LN(h_t)` (the pooled
    /// feature is this at the end token), `T_i × projection_dim`.
    public func tokenEmbeddings(_ prompts: [String]) -> [[Float]]? {
        let d = dimension
        return stride(from: 0, to: prompts.count, by: batchSize).flatMap { start -> [[Float]] in
            let ids = prompts[start..<Swift.min(start + batchSize, prompts.count)].map(model.tokenizer.encode)
            let projected = withoutGradients { model.textProjection(model.text(ids).hidden) }
            let t = projected.shape[1]
            return ids.enumerated().map { i, sequence in Array(projected.storage[(i * t * d)..<((i * t + sequence.count) * d)]) }
        }
    }

    public func embed(_ prompts: [String]) -> Tensor {
        guard !prompts.isEmpty else { return Tensor.zeros([0, dimension]) }
        let parts = stride(from: 0, to: prompts.count, by: batchSize).map { start in
            CLIPModel.normalized(model.textFeatures(Array(prompts[start..<Swift.min(start + batchSize, prompts.count)])))
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
    }
}
