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
    /// Whether the text condition is read from the prompt's token embeddings through attention
    /// pooling (``TokenAttentionPooling``) instead of from the pooled sentence embedding.
    public var textTokens: Bool = false
    /// Size of the camera/pose vector the denoiser reads (0 = no camera) and its octaves (3:
    /// frequencies 1, 2, 4 in the azimuth — a cube's 4-fold symmetry, no finer; more octaves
    /// let a teacher trained on a few hundred views per object fit noise between them).
    public var cameraDimension: Int = 0
    public var cameraFrequencies: Int = 3
    /// Size of the sinusoidal features of `c_noise`.
    public var noiseFeatures: Int = 32
    /// U-Net channel widths at full, half and quarter resolution.
    public var channels: [Int] = [32, 64, 64]
    /// The `unet2d` architecture's diffusers `UNet2DModel` configuration; `nil` = derived from
    /// ``sampleShape``, ``channels`` and ``classCount`` (``resolvedUNet2D``).
    public var unet2d: UNet2DConfiguration?
    /// An imported discrete-VP model's noise levels and prediction type; `nil` = EDM's
    /// preconditioning with ``sigmaData``.
    public var schedule: DiscreteVPSchedule?

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

    /// Every key, `null` included: DIPP's strict reader merges a `model.json` over the defaults'
    /// encoding, so an optional key left out there would be refused when a file has it.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture); try c.encode(sampleShape, forKey: .sampleShape)
        try c.encode(classCount, forKey: .classCount); try c.encode(sigmaData, forKey: .sigmaData)
        try c.encode(hidden, forKey: .hidden); try c.encode(activation, forKey: .activation)
        try c.encode(embeddingDimension, forKey: .embeddingDimension); try c.encode(textDimension, forKey: .textDimension)
        try c.encode(textTokens, forKey: .textTokens)
        try c.encode(cameraDimension, forKey: .cameraDimension); try c.encode(cameraFrequencies, forKey: .cameraFrequencies)
        try c.encode(noiseFeatures, forKey: .noiseFeatures); try c.encode(channels, forKey: .channels)
        try c.encode(unet2d, forKey: .unet2d); try c.encode(schedule, forKey: .schedule)
    }

    /// Whether the model has a `∅` condition (classifier-free guidance, label dropout): every
    /// DIPP-trained model does; an imported `UNet2DModel` with a class table does not (its
    /// `num_class_embeds` holds its classes only).
    public var acceptsNullCondition: Bool {
        architecture != "unet2d" || (resolvedUNet2D.numClassEmbeds.map { $0 > classCount } ?? true)
    }

    /// The `UNet2DModel` a DIPP image teacher uses unless ``unet2d`` names one: the widths of
    /// ``channels`` (full, ½, ¼ resolution), one resnet per level, attention at ¼, group norms of 8
    /// (or the largest of 4, 2, 1 dividing every width), heads of 8 channels, and a class table
    /// with a last row for `∅` when the data has classes.
    public var resolvedUNet2D: UNet2DConfiguration {
        if let unet2d { return unet2d }
        var c = UNet2DConfiguration()
        c.sampleSize = sampleShape.count == 3 && sampleShape[1] == sampleShape[2] ? sampleShape[1] : nil   // export writes [H, W] otherwise
        (c.inChannels, c.outChannels) = (sampleShape.first ?? 1, sampleShape.first ?? 1)
        c.blockOutChannels = channels
        c.downBlockTypes = channels.indices.map { $0 == channels.count - 1 ? "AttnDownBlock2D" : "DownBlock2D" }
        c.upBlockTypes = channels.indices.map { $0 == 0 ? "AttnUpBlock2D" : "UpBlock2D" }
        c.layersPerBlock = 1
        c.normNumGroups = [8, 4, 2, 1].first { g in channels.allSatisfy { $0 % g == 0 } } ?? 1
        c.attentionHeadDim = channels.allSatisfy { $0 % 8 == 0 } ? 8 : nil
        c.numClassEmbeds = classCount > 0 ? classCount + 1 : nil
        return c
    }
}
