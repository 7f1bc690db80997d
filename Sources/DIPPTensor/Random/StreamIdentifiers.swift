/// Every random stream DIPP draws from, named in one place. A stream is `(seed, identifier)`,
/// so two purposes never share numbers, and a new purpose takes a new identifier here (the
/// values are part of every run's reproducibility: never renumber one).
public enum StreamIdentifier: UInt64, Sendable, CaseIterable {
    /// Teacher weights at initialisation.
    case teacherInitialisation = 1
    /// Teacher mini-batch order.
    case teacherBatches = 2
    /// Teacher noise levels, noise and label dropout.
    case teacherNoise = 3
    /// The caption each sample of a captioned data set is given in a teacher batch.
    case teacherCaptions = 4
    /// `GradientCheck`'s random directions.
    case gradientCheck = 99
    /// A mean reward before and after alignment (fixed samples).
    case rewardProbe = 0xAE
    /// Built-in generators' initial weights.
    case generatorInitialisation = 0x6E4
    /// A TA started from fresh weights (`assistantInitialisation: random`).
    case assistantInitialisation = 0x7A1
    /// The fixed latents of the quality metric logged during training.
    case qualityProbe = 0x9A7E
    /// Samples for reports, PNGs and `dipp sample`.
    case evaluationSamples = 0x5A3B
    /// Stratified train / held-out splits.
    case dataSplit = 0x5711
    /// The generated 2-D Gaussian-mixture data.
    case gaussianMixtureData = 0x6D6D
    /// In-project classifier training.
    case classifierTraining = 0xC1A5
    /// The DI++ trainer (conditions, latents, noise levels, noise, TA dropout).
    case diffInstructTraining = 0xD1FF
    /// Learned-reward initial weights, held-out split, batch order and input noise.
    case rewardTraining = 0xB7A1
    /// Pairs drawn for labelling (the page's samples) and a simulated annotator's choices.
    case preferencePairs = 0xB7A2
    /// The cameras of the rendered 3-D data (`shapes3d`).
    case shapesData = 0x3D00
    /// The random cameras of a text-to-3D run's evaluation views (PSNR, agreement).
    case cameraEvaluation = 0x3D01
    /// Points on surfaces (Chamfer distance and F-score of text-to-3D fields).
    case surfaceSamples = 0x3D02
    /// Which images of a teacher's batch are mirrored (`horizontalFlip`).
    case teacherFlips = 0xF11F
    /// An imported teacher's own samples, the reference its runs are evaluated against.
    case importedTeacherReference = 0x1A70
    /// `dipp reward train-clip`: the CLIP's initial weights, batches and captions.
    case clipTraining = 0xC119
}

extension RandomStream {
    /// The stream for `purpose` under `seed`.
    public init(seed: UInt64, _ purpose: StreamIdentifier) {
        self.init(seed: seed, stream: purpose.rawValue)
    }
}
