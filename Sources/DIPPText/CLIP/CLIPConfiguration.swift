import DIPPTensor
import Foundation

/// The shape of a CLIP model (Radford et al., 2021) as Hugging Face `transformers` writes it in
/// `config.json` (`CLIPConfig` with `text_config` and `vision_config`), and the image
/// normalisation of `preprocessor_config.json`. Absent fields take `transformers`' defaults
/// (those of openai/clip-vit-base-patch32).
public struct CLIPConfiguration: Sendable, Equatable {
    /// The activation of the transformer MLPs: `quick_gelu` (`x·σ(1.702x)`, OpenAI's models) or
    /// `gelu` (`x·Φ(x)`, most open_clip models).
    public enum Activation: String, Sendable {
        case quickGELU = "quick_gelu", gelu
    }

    /// One tower's transformer (`text_config` / `vision_config`).
    public struct Tower: Sendable, Equatable {
        public var hiddenSize: Int              // hidden_size
        public var intermediateSize: Int        // intermediate_size
        public var layerCount: Int              // num_hidden_layers
        public var headCount: Int               // num_attention_heads
        public var activation = Activation.quickGELU   // hidden_act
        public var layerNormEpsilon: Float = 1e-5      // layer_norm_eps

        public init(hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int, activation: Activation = .quickGELU,
                    layerNormEpsilon: Float = 1e-5) {
            (self.hiddenSize, self.intermediateSize, self.layerCount, self.headCount) = (hiddenSize, intermediateSize, layerCount, headCount)
            (self.activation, self.layerNormEpsilon) = (activation, layerNormEpsilon)
        }
    }

    public var text = Tower(hiddenSize: 512, intermediateSize: 2048, layerCount: 12, headCount: 8)
    public var vocabularySize = 49408           // text_config.vocab_size
    public var maximumPositions = 77            // text_config.max_position_embeddings
    /// `text_config.eos_token_id`. 2 selects the legacy pooling rule (the position of the
    /// largest id, which is `<|endoftext|>` in CLIP's vocabulary); any other value pools at the
    /// first occurrence of this id.
    public var endTokenID = 49407

    public var vision = Tower(hiddenSize: 768, intermediateSize: 3072, layerCount: 12, headCount: 12)
    public var imageSize = 224                  // vision_config.image_size
    public var patchSize = 32                   // vision_config.patch_size
    public var channelCount = 3                 // vision_config.num_channels

    public var projectionSize = 512             // projection_dim

    /// Per-channel `image_mean` / `image_std` (`preprocessor_config.json`; OpenAI's by default).
    public var imageMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public var imageStd: [Float] = [0.26862954, 0.26130258, 0.27577711]

    public init() {}

    /// Whether the text tower pools at the largest id (`eos_token_id == 2`, as configs written
    /// before transformers 4.31 say) rather than at the first `eos_token_id`.
    public var poolsAtLargestID: Bool { endTokenID == 2 }

    /// The vision tower's token count: the patches and the class token.
    public var visionTokenCount: Int { (imageSize / patchSize) * (imageSize / patchSize) + 1 }

    /// Reads `folder/config.json` and, if present, `folder/preprocessor_config.json`.
    public init(folder: URL) throws {
        let url = folder.appendingPathComponent("config.json")
        let json = try Self.object(url)
        func fail(_ what: String) -> TextEncoderError {
            TextEncoderError(location: url.path, what: what, hint: "use the config.json of a transformers CLIPModel")
        }
        if let type = json["model_type"] as? String, type != "clip" { throw fail("model_type is \"\(type)\", not \"clip\"") }
        guard let textJSON = json["text_config"] as? [String: Any], let visionJSON = json["vision_config"] as? [String: Any] else {
            throw fail("text_config and vision_config must both be objects")
        }
        func integer(_ object: [String: Any], _ key: String, _ value: inout Int, section: String) throws {
            guard let raw = object[key], !(raw is NSNull) else { return }
            guard let v = raw as? Int, v > 0 else { throw fail("\(section)\(key) must be a positive integer, found \(raw)") }
            value = v
        }
        func tower(_ object: [String: Any], _ section: String, _ tower: inout Tower) throws {
            try integer(object, "hidden_size", &tower.hiddenSize, section: section)
            try integer(object, "intermediate_size", &tower.intermediateSize, section: section)
            try integer(object, "num_hidden_layers", &tower.layerCount, section: section)
            try integer(object, "num_attention_heads", &tower.headCount, section: section)
            if let eps = object["layer_norm_eps"] as? Double { tower.layerNormEpsilon = Float(eps) }
            if let raw = object["hidden_act"] {
                guard let name = raw as? String, let act = Activation(rawValue: name) else {
                    throw fail("\(section)hidden_act \(raw) is not supported (quick_gelu or gelu)")
                }
                tower.activation = act
            }
            guard tower.hiddenSize % tower.headCount == 0 else {
                throw fail("\(section)hidden_size \(tower.hiddenSize) does not split into \(tower.headCount) heads")
            }
        }
        try tower(textJSON, "text_config.", &text)
        try tower(visionJSON, "vision_config.", &vision)
        try integer(textJSON, "vocab_size", &vocabularySize, section: "text_config.")
        try integer(textJSON, "max_position_embeddings", &maximumPositions, section: "text_config.")
        if let raw = textJSON["eos_token_id"], !(raw is NSNull) {
            guard let id = raw as? Int, id >= 0 else { throw fail("text_config.eos_token_id must be a token id, found \(raw)") }
            endTokenID = id
        }
        try integer(visionJSON, "image_size", &imageSize, section: "vision_config.")
        try integer(visionJSON, "patch_size", &patchSize, section: "vision_config.")
        try integer(visionJSON, "num_channels", &channelCount, section: "vision_config.")
        try integer(json, "projection_dim", &projectionSize, section: "")
        guard imageSize % patchSize == 0 else { throw fail("vision_config.image_size \(imageSize) is not a multiple of patch_size \(patchSize)") }
        guard channelCount == 3 else { throw fail("vision_config.num_channels \(channelCount): only RGB (3) models are supported") }

        let preprocessor = folder.appendingPathComponent("preprocessor_config.json")
        guard FileManager.default.fileExists(atPath: preprocessor.path) else { return }
        let p = try Self.object(preprocessor)
        for (key, path) in [("image_mean", \CLIPConfiguration.imageMean), ("image_std", \CLIPConfiguration.imageStd)] {
            guard let raw = p[key] else { continue }
            guard let values = (raw as? [Double])?.map(Float.init), values.count == 3, key == "image_mean" || values.allSatisfy({ $0 > 0 }) else {
                throw TextEncoderError(location: preprocessor.path, what: "\(key) must be 3 numbers\(key == "image_std" ? " > 0" : ""), found \(raw)",
                                       hint: "use the preprocessor_config.json that came with the model")
            }
            self[keyPath: path] = values
        }
    }

    /// `config.json` as `transformers`' `CLIPConfig` writes it (the fields DIPP reads, and the
    /// start/end/padding ids of CLIP's vocabulary layout: start = end − 1, padding = end).
    public var huggingFaceConfig: [String: Any] {
        func tower(_ t: Tower, _ type: String) -> [String: Any] {
            ["hidden_size": t.hiddenSize, "intermediate_size": t.intermediateSize, "num_hidden_layers": t.layerCount,
             "num_attention_heads": t.headCount, "hidden_act": t.activation.rawValue, "layer_norm_eps": Double(t.layerNormEpsilon),
             "projection_dim": projectionSize, "model_type": type]
        }
        var text = tower(self.text, "clip_text_model")
        text["vocab_size"] = vocabularySize
        text["max_position_embeddings"] = maximumPositions
        (text["eos_token_id"], text["bos_token_id"], text["pad_token_id"]) = (endTokenID, endTokenID - 1, endTokenID)
        var vision = tower(self.vision, "clip_vision_model")
        (vision["image_size"], vision["patch_size"], vision["num_channels"]) = (imageSize, patchSize, channelCount)
        return ["architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": projectionSize, "logit_scale_init_value": 2.6592,
                "text_config": text, "vision_config": vision]
    }

    /// `preprocessor_config.json` for `CLIPImageProcessor` at this image size and normalisation.
    public var huggingFacePreprocessorConfig: [String: Any] {
        ["image_processor_type": "CLIPImageProcessor", "do_resize": true, "size": ["shortest_edge": imageSize],
         "do_center_crop": true, "crop_size": ["height": imageSize, "width": imageSize], "do_rescale": true, "rescale_factor": 1.0 / 255,
         "do_normalize": true, "image_mean": imageMean.map(Double.init), "image_std": imageStd.map(Double.init), "resample": 3]
    }

    static func object(_ url: URL) throws -> [String: Any] {
        guard let data = try? Data(contentsOf: url) else {
            throw TextEncoderError(location: url.path, what: "the file cannot be read",
                                   hint: "a CLIP folder holds config.json and model.safetensors (transformers' save_pretrained layout)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TextEncoderError(location: url.path, what: "the file is not a JSON object", hint: "use the file that came with the model")
        }
        return json
    }
}
