import DIPPData
import DIPPNN
import DIPPTensor
import Foundation

/// Everything `dipp pretrain` needs; written to `config.json` in the run folder.
/// Zero/empty values mean "derive from the data" where noted.
public struct TeacherTrainingConfiguration: Codable, Sendable, Equatable {
    /// Data set name: `gmm2d`, `digits`, `digits-text`, `fashion-mnist`.
    public var data: String = "digits"
    /// The text encoder of captioned data (`digits-text`): the teacher is conditioned on its
    /// embedding of each sample's caption. Ignored for data without captions.
    public var textEncoder: String = "all-MiniLM-L6-v2"
    /// Captioned data: `tokens` (attention pooling over the caption's token embeddings, for
    /// encoders that give them), `pooled` (the sentence embedding), or "" = the data's
    /// (``resolvedTextConditioning``).
    public var textConditioning: String = ""
    /// Captioned data: the probability a drawn caption is rewritten by ``CaptionAugmentation``
    /// (context phrases, style words, word order); −1 = the data's (``resolvedCaptionAugmentation``).
    public var captionAugmentation: Double = -1
    /// An explicit data file or folder ("" = the default location).
    public var dataFile: String = ""
    /// Image folders (`images:DIR`): the side every image is resized (shorter side, antialiased)
    /// and centre-cropped to; 0 = the images' own size, which must then be one size for all.
    public var resolution: Int = 0
    /// Image folders: 1 (grey) or 3 (RGB) channels; 0 = grey only when every image is grey.
    public var imageChannels: Int = 0
    /// Mirror each training image left–right with probability ½ (images `[C, H, W]` only).
    public var horizontalFlip: Bool = false
    /// `mlp`, `unet`, or "" (MLP for vectors, U-Net for `[C,H,W]` images).
    public var architecture: String = ""
    public var hidden: [Int] = [256, 256, 256]
    public var channels: [Int] = [32, 64, 64]
    /// Size of the condition embedding `e(c)` (0 = from the data: 16 for class labels, 64 for
    /// captions, whose thin/bold directions a 16-d projection of the text embedding loses).
    public var embeddingDimension: Int = 0
    public var noiseFeatures: Int = 32
    /// EDM's `σ_d` (0 = the data's standard deviation).
    public var sigmaData: Float = 0
    public var steps: Int = 4000
    public var batchSize: Int = 256
    public var learningRate: Float = 2e-3
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    /// Global gradient-norm clip (0 = none).
    public var gradientClip: Float = 0
    /// EMA half-life in samples (EDM's rule and defaults: 0.5 M, ramped up as 0.05·images seen).
    public var emaHalfLifeSamples: Double = 500_000
    public var emaRampUp: Double = 0.05
    /// Noise levels: `ln σ ~ N(pMean, pStd²)`.
    public var pMean: Float = -1.2
    public var pStd: Float = 1.2
    public var labelDropout: Float = 0.1
    public var checkpointEvery: Int = 1000
    public var seed: UInt64 = 0
    /// Fraction of the data used for training (the rest is held out for metrics), by class.
    public var trainFraction: Double = 0.5

    public init() {}
}

extension TeacherTrainingConfiguration {
    /// The digits' captions are prompts people rewrite: their teachers read the tokens and train
    /// on augmented captions by default (Documentation/TextPrompts.md measures why). Other
    /// captioned data (`shapes3d`, image folders) keeps the pooled embedding and its own captions.
    static let promptData: Set = ["digits-text"]

    /// ``textConditioning`` with "" resolved: `tokens` for `digits-text`, `pooled` otherwise.
    public var resolvedTextConditioning: String { textConditioning.isEmpty ? (Self.promptData.contains(data) ? "tokens" : "pooled") : textConditioning }

    /// ``captionAugmentation`` with −1 resolved: 0.5 for `digits-text`, 0 otherwise.
    public var resolvedCaptionAugmentation: Double { captionAugmentation < 0 ? (Self.promptData.contains(data) ? 0.5 : 0) : captionAugmentation }

    /// Refuses training settings out of their range, naming the key (the network's own keys are
    /// checked by ``DenoiserConfiguration/validate(source:keyPrefix:)`` once the data is known).
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ what: String, _ hint: String) throws {
            guard ok else { throw ConfigurationError(location: "configuration, key '\(key)'", what: what, hint: hint) }
        }
        try check(learningRate.isFinite && learningRate > 0, "learningRate", "\(learningRate)", "a positive learning rate, e.g. 2e-3")
        try check((0..<1).contains(beta1) && (0..<1).contains(beta2), "beta1", "Adam's β₁ = \(beta1), β₂ = \(beta2)", "both in [0, 1), e.g. 0.9 and 0.999")
        try check(gradientClip >= 0, "gradientClip", "\(gradientClip)", "0 (no clipping) or a positive norm")
        try check(emaHalfLifeSamples >= 0 && emaRampUp >= 0, "emaHalfLifeSamples", "EMA half-life \(emaHalfLifeSamples), ramp-up \(emaRampUp)", "both ≥ 0")
        try check(pStd >= 0, "pStd", "\(pStd)", "the standard deviation of ln σ, ≥ 0 (EDM: 1.2)")
        try check((0...1).contains(labelDropout), "labelDropout", "\(labelDropout)", "a probability in [0, 1] (default 0.1)")
        try check(trainFraction > 0 && trainFraction < 1, "trainFraction", "\(trainFraction)", "in (0, 1): the rest is held out for the report")
        try check(embeddingDimension >= 0, "embeddingDimension", "\(embeddingDimension)", "0 (from the data) or a positive size")
        try check(resolution == 0 || ImageFolder.allowedResolutions.contains(resolution), "resolution", "\(resolution)",
                  "0 (the images' own size) or a multiple of 4 from 8 to 64: the U-Nets halve twice")
        try check([0, 1, 3].contains(imageChannels), "imageChannels", "\(imageChannels)", "0 (from the images), 1 (grey) or 3 (RGB)")
        try check(sigmaData >= 0, "sigmaData", "\(sigmaData)", "0 (the data's standard deviation) or a positive σ_d")
        try check(["", "tokens", "pooled"].contains(textConditioning), "textConditioning", "\"\(textConditioning)\"",
                  "tokens (attention over the caption's token embeddings), pooled (the sentence embedding), or \"\" for the data's")
        try check(captionAugmentation == -1 || (0...1).contains(captionAugmentation), "captionAugmentation", "\(captionAugmentation)",
                  "a probability in [0, 1], or −1 for the data's (0.5 for digits-text, else 0)")
    }

    /// Refuses a batch whose samples alone would take half the machine's memory (training needs
    /// several times that): an allocation that fails ends the process, not with an error.
    func checkMemory(sampleCount: Int) throws {
        let (bytes, overflow) = batchSize.multipliedReportingOverflow(by: sampleCount * MemoryLayout<Float>.size)
        let half = ProcessInfo.processInfo.physicalMemory / 2
        guard !overflow, UInt64(max(bytes, 0)) <= half else {
            throw ConfigurationError(location: "configuration, key 'batchSize'",
                                     what: "a batch of \(batchSize) samples of \(sampleCount) values needs more than half of this machine's \(half >> 29) GiB",
                                     hint: "a smaller batch (default 256)")
        }
    }
}
