import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Foundation

/// Pre-trains a teacher (stage 1 of the paper's workflow): EDM loss, Adam, EMA, periodic
/// checkpoints and exact resume.
///
/// Run folder: `config.json` (the exact configuration), `model.json` (the denoiser
/// configuration), `checkpoint-*.safetensors` (`model.*`, `ema.*`, `adam.*` tensors; step and
/// RNG positions in the metadata) and, at the end, `teacher.safetensors` (the EMA weights).
/// Starting again in a folder with checkpoints resumes from the newest one; the batches, noise
/// and dropout then continue exactly as in an uninterrupted run. In a data-parallel job
/// (``Communicator``) each rank trains on its rows of every batch and rank 0 alone writes.
public struct TeacherTrainer {
    public let configuration: TeacherTrainingConfiguration
    public let folder: URL
    public let data: LabeledDataset
    public let heldOut: LabeledDataset
    public let model: EDMDenoiser
    /// Captioned data: how captions become conditions (else label conditions).
    public let conditioner: Conditioner
    /// The data-parallel job this run is one rank of (one process by default).
    public let communicator: any Communicator

    /// Loads the data and builds (or, with a compatible `config.json`, re-opens) the run.
    /// - Parameter components: where the data set, the architecture and the text encoder are
    ///   looked up by name.
    public init(configuration: TeacherTrainingConfiguration, folder: URL, components: Components = .standard(),
                communicator: any Communicator = SingleProcess()) throws {
        let c = configuration
        guard c.batchSize % communicator.size == 0 else {
            throw ConfigurationError(location: "configuration, batchSize", what: "the batch of \(c.batchSize) does not split evenly over \(communicator.size) processes",
                                     hint: "use a batch size that is a multiple of the process count (mpirun -np)")
        }
        self.communicator = communicator
        try c.validate()
        let (train, held) = try c.loadData(components)
        try ConfigurationFile.checkResumable(c, folder: folder, defaults: TeacherTrainingConfiguration()) { $0.steps = 0 }
        self.configuration = c
        self.folder = folder
        data = train
        heldOut = held
        conditioner = try c.conditioner(train: train, components: components)
        var network = Self.denoiserConfiguration(c, data: train, textDimension: conditioner.embeddings?.dimension ?? 0)
        network.textTokens = conditioner.tokens
        try components.validate(network)
        try c.checkMemory(sampleCount: Shape.count(train.sampleShape))
        guard !c.horizontalFlip || (train.sampleShape.count == 3 && train.cameras == nil) else {
            throw ConfigurationError(location: "configuration, key 'horizontalFlip'", what: "\(train.name)'s samples \(train.sampleShape) are not plain [C, H, W] images"
                                     + (train.cameras != nil ? " (their cameras would no longer match a mirrored view)" : ""),
                                     hint: "mirror image data only (fashion-mnist, image folders)")
        }
        var rng = RandomStream(seed: c.seed, .teacherInitialisation)
        model = try components.denoiser(network, rng: &rng)
    }

    /// The denoiser configuration implied by the training configuration and the data.
    public static func denoiserConfiguration(_ c: TeacherTrainingConfiguration, data: LabeledDataset, textDimension: Int = 0) -> DenoiserConfiguration {
        let architecture = c.architecture.isEmpty ? data.architecture : c.architecture
        return DenoiserConfiguration(architecture: architecture, sampleShape: data.sampleShape, classCount: data.classCount,
                                     sigmaData: c.sigmaData > 0 ? c.sigmaData : data.standardDeviation, hidden: c.hidden,
                                     embeddingDimension: c.embeddingDimension > 0 ? c.embeddingDimension : textDimension > 0 ? 64 : 16,
                                     noiseFeatures: c.noiseFeatures, channels: c.channels,
                                     textDimension: textDimension, cameraDimension: data.cameras?.dimension ?? 0)
    }

    /// Trains to `configuration.steps`, resuming from the newest checkpoint. Returns the EMA
    /// teacher (also written to `teacher.safetensors`).
    @discardableResult
    public func run(progress: Bool = true, log: (String) -> Void = { _ in }) throws -> EDMDenoiser {
        let c = configuration
        guard c.steps > 0, c.batchSize > 0, c.checkpointEvery > 0 else {
            throw ConfigurationError(location: "configuration", what: "steps, batchSize and checkpointEvery must be positive",
                                     hint: "e.g. --steps 4000 --batch-size 256")
        }
        let root = communicator.isRoot, rows = communicator.shard(of: c.batchSize)
        if root {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try ConfigurationFile.write(c, to: folder.appendingPathComponent("config.json"))
            try ConfigurationFile.write(model.configuration, to: folder.appendingPathComponent("model.json"))
        }

        let names = model.namedParameters.map(\.name), params = model.parameters
        let schedule = ExponentialMovingAverage.Schedule.halfLife(images: c.emaHalfLifeSamples, rampUp: c.emaRampUp)
        var adam = Adam(.init(learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2))
        var ema = ExponentialMovingAverage(params, schedule: schedule)
        var batchRNG = RandomStream(seed: c.seed, .teacherBatches), noiseRNG = RandomStream(seed: c.seed, .teacherNoise)
        var captionRNG = RandomStream(seed: c.seed, .teacherCaptions)
        var order: [Int] = [], cursor = 0, epoch = 0
        let store = CheckpointStore(folder: folder)
        var start = 0
        if let (step, contents) = try store.latest() {
            let source = store.url(step: step).path
            try model.load(contents.tensors(prefixed: "model."), source: source)
            try adam.restore(from: contents.tensors, prefix: "adam.", step: step, parameters: params, source: source)
            ema = try ExponentialMovingAverage(restoring: contents.tensors, prefix: "ema.", names: names,
                                               counts: params.map(\.count), schedule: schedule, source: source)
            noiseRNG = try contents.metadataJSON("noise_rng", as: RandomStream.self, source: source)
            batchRNG = try contents.metadataJSON("batch_rng", as: RandomStream.self, source: source)
            if data.captions != nil { captionRNG = try contents.metadataJSON("caption_rng", as: RandomStream.self, source: source) }
            epoch = try contents.metadataInteger("epoch", source: source)
            cursor = try contents.metadataInteger("cursor", source: source)
            guard epoch >= 1, (0...data.count).contains(cursor) else {
                throw ConfigurationError(location: "\(source), metadata 'epoch'/'cursor'", what: "epoch \(epoch), cursor \(cursor) are out of range",
                                         hint: "the checkpoint is corrupt; delete it to resume from the previous one")
            }
            var replay = RandomStream(seed: c.seed, .teacherBatches)
            for _ in 0..<epoch { order = replay.permutation(data.count) }
            start = step
            if root { log("resuming from \(source) (step \(step))") }
        }
        if order.isEmpty { order = batchRNG.permutation(data.count); epoch = 1 }
        let augmentation = CaptionAugmentation(probability: c.resolvedCaptionAugmentation)
        let loss = EDMLoss(noise: .logNormal(mean: c.pMean, std: c.pStd, minimum: 0.002, maximum: 80), labelDropout: c.labelDropout)
        let reporter = progress && root ? ProgressReporter(total: c.steps, label: "pretrain", startStep: start) : nil
        var step = start
        while step < c.steps {
            var indices: [Int] = []
            while indices.count < c.batchSize {
                if cursor == order.count { order = batchRNG.permutation(data.count); cursor = 0; epoch += 1 }
                indices.append(order[cursor])
                cursor += 1
            }
            var (x0, labels) = data.batch(indices)
            if c.horizontalFlip { x0 = Self.mirrored(x0, seed: c.seed, step: step) }
            let camera = data.cameras.map { CameraPose(dimension: $0.dimension, values: $0.rows(indices).values) }
            let conditions = data.captions.map { captions in
                conditioner.conditions(prompts: indices.map { augmentation.apply(captions[$0][captionRNG.integer(below: captions[$0].count)], rng: &captionRNG) },
                                       camera: camera)
            } ?? Conditions(count: labels.count, labels: labels, camera: camera)
            let l = loss(model, x0, conditions: conditions, sigmaData: model.configuration.sigmaData, rng: &noiseRNG, rows: rows)
            let location = "pretrain step \(step + 1)"
            // One all-reduce for the gradients and the loss; checked after it, alike on every rank.
            let (gradients, averagedLoss) = communicator.averaged(Tensor.gradients(of: l, withRespectTo: params), scalars: [l.scalar])
            try NonFiniteValueError.check(averagedLoss[0], what: "the EDM loss", at: location)
            _ = try applyGradientStep(gradients, to: params, optimizer: &adam, averaging: &ema,
                                      batchSize: c.batchSize, imagesSeen: Double((step + 1) * c.batchSize),
                                      clip: c.gradientClip, what: "the teacher's gradient", at: location)
            step += 1
            reporter?.update(step: step, metrics: [("loss", averagedLoss[0])])
            if root, step % c.checkpointEvery == 0 || step == c.steps {
                var tensors = model.stateDictionary().reduce(into: [String: Tensor]()) { $0["model.\($1.key)"] = $1.value }
                tensors.merge(adam.stateTensors(prefix: "adam."), uniquingKeysWith: { a, _ in a })
                tensors.merge(ema.stateTensors(prefix: "ema.", names: names, shapes: params.map(\.shape)), uniquingKeysWith: { a, _ in a })
                try store.save(step: step, tensors: tensors, metadata: [
                    "kind": "teacher", "noise_rng": jsonText(noiseRNG), "batch_rng": jsonText(batchRNG),
                    "epoch": String(epoch), "cursor": String(cursor), "caption_rng": jsonText(captionRNG),
                ])
            }
        }
        let teacher = model.copy()
        ema.copyAverages(into: teacher.parameters)
        guard root else { return teacher }
        try SafeTensors.write(teacher.stateDictionary(), metadata: ["kind": "teacher-ema", "step": String(step)],
                              to: folder.appendingPathComponent("teacher.safetensors"))
        return teacher
    }
}

extension TeacherTrainer {
    /// `horizontalFlip`: each image of the batch `[N, C, H, W]` mirrored left–right with
    /// probability ½, drawn from a counter-based stream at a position fixed by the step, so a
    /// resumed run flips exactly the images the uninterrupted one would have.
    public static func mirrored(_ batch: Tensor, seed: UInt64, step: Int) -> Tensor {
        precondition(batch.rank == 4, "horizontalFlip needs [N, C, H, W] images")
        let (n, c, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        var rng = RandomStream(seed: seed, stream: StreamIdentifier.teacherFlips.rawValue, position: UInt64(step) << 20)
        let flips = rng.uniform(n).map { $0 < 0.5 }
        var values = batch.storage
        for i in 0..<n where flips[i] {
            for row in 0..<(c * h) {
                let start = (i * c * h + row) * w
                values[start..<(start + w)].reverse()
            }
        }
        return Tensor(shape: batch.shape, storage: values)
    }
}
