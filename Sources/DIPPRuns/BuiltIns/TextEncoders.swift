import DIPPComponents
import DIPPText
import Foundation

/// all-MiniLM-L6-v2 as the text encoder of captioned data and prompts.
public enum MiniLMEncoder: ComponentRegistration {
    public static func register(in components: Components) {
        components.textEncoders.register(MiniLM.identifier, summary: "all-MiniLM-L6-v2 sentence embeddings (384-d; files from Scripts/install-text-encoder)") { _ in
            try MiniLM.shared()
        }
    }
}

/// `clip:DIR`: the text tower of a `transformers` `CLIPModel` folder, its normalised projected
/// feature per prompt (``CLIPTextEncoder``).
public enum CLIPTextEncoderRegistration: ComponentRegistration {
    public static func register(in components: Components) {
        components.textEncoders.registerResolver(pattern: "clip:DIR", summary: "a CLIP text tower (transformers CLIPModel folder): normalised projected text features",
                                                 matches: { $0.hasPrefix("clip:") }) { spec, _, _ in
            CLIPTextEncoder(model: try CLIPModel.shared(folder: URL(fileURLWithPath: String(spec.name.dropFirst("clip:".count)))))
        }
    }
}
