import DIPPNN

/// Everything needed to rebuild a trainable denoiser; saved next to every checkpoint.
public struct DenoiserConfiguration: Codable, Sendable, Equatable {
    public enum Architecture: String, Codable, Sendable {
        /// ``MLPDenoiserNetwork``: vectors (2-D toy, 8x8 digits as 64-vectors).
        case mlp
        /// ``UNetDenoiserNetwork``: `[C, H, W]` images (Fashion-MNIST).
        case unet
    }

    public var architecture: Architecture = .mlp
    /// Per-sample shape of the data.
    public var sampleShape: [Int] = [2]
    /// Number of classes; the embedding table has one more row for `∅`.
    public var classCount: Int = 8
    /// EDM's `σ_d`.
    public var sigmaData: Float = 0.5
    /// MLP hidden widths (default: 3 layers of 256, the DI++ toy network).
    public var hidden: [Int] = [256, 256, 256]
    public var activation: ActivationFunction = .silu
    /// Size of the learned class embedding (including the null class).
    public var embeddingDimension: Int = 16
    /// Size of the sinusoidal features of `c_noise`.
    public var noiseFeatures: Int = 32
    /// U-Net channel widths at full, half and quarter resolution.
    public var channels: [Int] = [32, 64, 64]

    public init(architecture: Architecture = .mlp, sampleShape: [Int] = [2], classCount: Int = 8, sigmaData: Float = 0.5,
                hidden: [Int] = [256, 256, 256], activation: ActivationFunction = .silu, embeddingDimension: Int = 16,
                noiseFeatures: Int = 32, channels: [Int] = [32, 64, 64]) {
        self.architecture = architecture
        self.sampleShape = sampleShape
        self.classCount = classCount
        self.sigmaData = sigmaData
        self.hidden = hidden
        self.activation = activation
        self.embeddingDimension = embeddingDimension
        self.noiseFeatures = noiseFeatures
        self.channels = channels
    }
}
