import DIPPNN

/// Everything needed to rebuild a trainable denoiser; saved next to every checkpoint.
public struct DenoiserConfiguration: Codable, Sendable, Equatable {
    /// A registered architecture (`Components.architectures`): `mlp` (vectors: the 2-D toy, 8x8 digits as
    /// 64-vectors), `unet` (`[C, H, W]` images), or one registered by the user.
    public var architecture: String = "mlp"
    /// Per-sample shape of the data.
    public var sampleShape: [Int] = [2]
    /// Number of classes; the embedding table has one more row for `∅`.
    public var classCount: Int = 8
    /// EDM's `σ_d`.
    public var sigmaData: Float = 0.5
    /// MLP hidden widths (default: 3 layers of 256, the DI++ toy network).
    public var hidden: [Int] = [256, 256, 256]
    public var activation: ActivationFunction = .silu
    /// Size of the condition embedding `e(c)` (``ConditionEncoder``).
    public var embeddingDimension: Int = 16
    /// Size of the pooled text embedding the denoiser reads (0 = no text).
    public var textDimension: Int = 0
    /// Size of the camera/pose vector the denoiser reads (0 = no camera) and its octaves (3:
    /// frequencies 1, 2, 4 in the azimuth — a cube's 4-fold symmetry, no finer; more octaves
    /// let a teacher trained on a few hundred views per object fit noise between them).
    public var cameraDimension: Int = 0
    public var cameraFrequencies: Int = 3
    /// Size of the sinusoidal features of `c_noise`.
    public var noiseFeatures: Int = 32
    /// U-Net channel widths at full, half and quarter resolution.
    public var channels: [Int] = [32, 64, 64]

    public init(architecture: String = "mlp", sampleShape: [Int] = [2], classCount: Int = 8, sigmaData: Float = 0.5,
                hidden: [Int] = [256, 256, 256], activation: ActivationFunction = .silu, embeddingDimension: Int = 16,
                noiseFeatures: Int = 32, channels: [Int] = [32, 64, 64], textDimension: Int = 0, cameraDimension: Int = 0) {
        self.architecture = architecture
        self.sampleShape = sampleShape
        self.classCount = classCount
        self.sigmaData = sigmaData
        self.hidden = hidden
        self.activation = activation
        self.embeddingDimension = embeddingDimension
        self.noiseFeatures = noiseFeatures
        self.channels = channels
        self.textDimension = textDimension
        self.cameraDimension = cameraDimension
    }
}
