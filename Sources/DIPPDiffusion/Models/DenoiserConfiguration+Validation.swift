import DIPPNN
import DIPPTensor

extension DenoiserConfiguration {
    /// Refuses a configuration no network can be built from, naming the key: a configuration
    /// file's (or a run folder's `model.json`) values reach the networks' preconditions only
    /// through this check. `keyPrefix` is where the values sit in the user's file ("" for
    /// `dipp pretrain`'s top-level keys).
    public func validate(source: String = "configuration", keyPrefix: String = "") throws {
        func refuse(_ key: String, _ what: String, _ hint: String) -> ConfigurationError {
            ConfigurationError(location: "\(source), key '\(keyPrefix)\(key)'", what: what, hint: hint)
        }
        guard noiseFeatures >= 2, noiseFeatures % 2 == 0 else {
            throw refuse("noiseFeatures", "\(noiseFeatures) sinusoidal features", "an even number ≥ 2 (cosines and sines in pairs; default 32)")
        }
        guard embeddingDimension >= 1, textDimension >= 0, cameraDimension >= 0, classCount >= 0 else {
            throw refuse("embeddingDimension", "sizes must be positive (embedding \(embeddingDimension), text \(textDimension), camera \(cameraDimension))",
                         "e.g. embeddingDimension 16; 0 in a pretrain configuration means: from the data")
        }
        guard sigmaData.isFinite, sigmaData > 0 else {
            throw refuse("sigmaData", "σ_d = \(sigmaData)", "a positive data standard deviation; 0 in a pretrain configuration means: from the data")
        }
        guard !sampleShape.isEmpty, sampleShape.allSatisfy({ $0 >= 1 }) else {
            throw refuse("sampleShape", "sample shape \(sampleShape)", "the data's per-sample shape, every extent ≥ 1")
        }
        guard hidden.allSatisfy({ $0 >= 1 }) else {
            throw refuse("hidden", "hidden widths \(hidden)", "every width ≥ 1, e.g. [256, 256, 256]")
        }
        if architecture == "unet2d" { return try validateUNet2D(refuse) }
        guard architecture == "unet" else { return }
        guard sampleShape.count == 3, sampleShape[1] % 4 == 0, sampleShape[2] % 4 == 0 else {
            throw refuse("architecture", "the U-Net needs [C, H, W] images with H and W multiples of 4 (two halvings and back); the data's samples are \(sampleShape)",
                         "use architecture mlp for this data")
        }
        guard channels.count == 3, channels.allSatisfy({ $0 >= 1 }), channels[0] <= 8 || channels[0] % 8 == 0 else {
            throw refuse("channels", "U-Net widths \(channels)", "three widths ≥ 1 (full, half, quarter resolution), the first ≤ 8 or a multiple of 8; default [32, 64, 64]")
        }
    }

    /// The `unet2d` architecture: `[C, H, W]` images whose sides halve once per down block, no
    /// text or camera input (a `UNet2DModel` reads a timestep and a class only), and a class
    /// table of the classes (+ 1 for `∅` when DIPP trained it).
    private func validateUNet2D(_ refuse: (String, String, String) -> ConfigurationError) throws {
        let u = resolvedUNet2D
        try u.validate(source: "the unet2d configuration")
        let halvings = 1 << (u.blockOutChannels.count - 1)
        guard sampleShape.count == 3, sampleShape[1] % halvings == 0, sampleShape[2] % halvings == 0 else {
            throw refuse("architecture", "a UNet2DModel with \(u.blockOutChannels.count) levels needs [C, H, W] images with H and W multiples of \(halvings); the data's samples are \(sampleShape)",
                         "use fewer levels (channels), or a resolution that is a multiple of \(halvings)")
        }
        guard u.inChannels == sampleShape[0], u.outChannels == sampleShape[0] else {
            throw refuse("unet2d", "the model reads \(u.inChannels) and writes \(u.outChannels) channels; the data has \(sampleShape[0])",
                         "a model for this data's channels")
        }
        guard textDimension == 0, cameraDimension == 0 else {
            throw refuse("architecture", "a UNet2DModel reads no text or camera condition", "use architecture unet for captioned or rendered data")
        }
        let classes = u.numClassEmbeds ?? 0
        guard classes == 0 || classes == classCount || classes == classCount + 1 else {
            throw refuse("classCount", "\(classCount) classes for a class table of \(classes) rows", "num_class_embeds = the classes, + 1 for ∅")
        }
    }
}
