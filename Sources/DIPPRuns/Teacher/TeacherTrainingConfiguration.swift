import DIPPNN

/// Everything `dipp pretrain` needs; written to `config.json` in the run folder.
/// Zero/empty values mean "derive from the data" where noted.
public struct TeacherTrainingConfiguration: Codable, Sendable, Equatable {
    /// Data set name: `gmm2d`, `digits`, `digits-text`, `fashion-mnist`.
    public var data: String = "digits"
    /// The text encoder of captioned data (`digits-text`): the teacher is conditioned on its
    /// embedding of each sample's caption. Ignored for data without captions.
    public var textEncoder: String = "all-MiniLM-L6-v2"
    /// An explicit data file or folder ("" = the default location).
    public var dataFile: String = ""
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
    /// EMA half-life in samples (EDM rule) and its ramp-up ratio.
    public var emaHalfLifeSamples: Double = 50_000
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
