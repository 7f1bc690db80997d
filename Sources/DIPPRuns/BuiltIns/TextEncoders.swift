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
