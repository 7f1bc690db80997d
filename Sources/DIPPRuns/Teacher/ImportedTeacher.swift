import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import Foundation

/// Teachers DIPP did not train: `diffusers:DIR`, a diffusers `UNet2DModel` folder
/// (``DiffusersFolder``) wrapped as an EDM denoiser.
///
/// An imported teacher has no data set of its own. With `data` (any data set name, e.g.
/// `images:DIR`) runs are evaluated against it, split as `dipp pretrain` splits it; without,
/// against ``ownSampleCount`` of the teacher's own Heun samples (plain sample statistics:
/// moments and MMD, no classifier), drawn from a stream of their own over the model's σ range.
extension TeacherRun {
    public static let importPrefix = "diffusers:"
    /// Samples of an imported teacher that stand in for data (half "training", half held out).
    public static let ownSampleCount = 128

    /// A teacher by reference: a `dipp pretrain` run folder, or `diffusers:DIR`; `data` names
    /// the data an imported teacher is evaluated against ("" = its own samples) and must be
    /// empty for a run folder, which names its own.
    public init(reference: String, data: String = "", components: Components = .standard()) throws {
        guard reference.hasPrefix(Self.importPrefix) else {
            guard data.isEmpty else {
                throw ConfigurationError(location: "configuration, key 'data'", what: "data '\(data)' is given for the run folder \(reference), which names its own",
                                         hint: "drop --data: it is for imported teachers (--teacher diffusers:DIR)")
            }
            try self.init(folder: URL(fileURLWithPath: reference), components: components)
            return
        }
        let folder = URL(fileURLWithPath: String(reference.dropFirst(Self.importPrefix.count)))
        let teacher = try Self.model(reference: reference, components: components)
        var configuration = TeacherTrainingConfiguration()
        configuration.architecture = "unet2d"
        let train: LabeledDataset, heldOut: LabeledDataset
        if data.isEmpty {
            configuration.data = "samples of \(folder.lastPathComponent)"
            (train, heldOut) = try Self.ownSamples(of: teacher, name: configuration.data, modelFolder: folder)
        } else {
            configuration.data = data
            let shape = teacher.sampleShape
            if data.hasPrefix("images:"), shape.count == 3, shape[1] == shape[2] {   // read the folder at the model's size
                (configuration.resolution, configuration.imageChannels) = (shape[1], shape[0])
            }
            (train, heldOut) = try configuration.loadData(components)
            try Self.check(teacher, fits: train, data: data, folder: folder)
        }
        self.init(folder: folder, classifierFolder: ImageFolder.cacheBase.appendingPathComponent("classifiers"),
                  configuration: configuration, teacher: teacher, train: train, heldOut: heldOut, conditioner: .labels)
    }

    /// Only the denoiser of a teacher reference (a run folder or `diffusers:DIR`), without its data.
    public static func model(reference: String, components: Components = .standard()) throws -> EDMDenoiser {
        guard reference.hasPrefix(importPrefix) else { return try EDMDenoiser.load(runFolder: URL(fileURLWithPath: reference), components: components) }
        let build = try components.architectures.make(ComponentSpec("unet2d"), context: (), path: "architecture")
        return try DiffusersFolder.load(URL(fileURLWithPath: String(reference.dropFirst(importPrefix.count))), build: build)
    }

    /// Whether the teacher is a model DIPP imported (`diffusers:DIR`).
    public var isImported: Bool { teacher.configuration.schedule != nil }

    /// Data an imported teacher is evaluated against must be its shape and, for a
    /// class-conditional model, have its classes.
    static func check(_ teacher: EDMDenoiser, fits data: LabeledDataset, data name: String, folder: URL) throws {
        guard data.sampleShape == teacher.sampleShape else {
            throw ConfigurationError(location: "--data \(name)", what: "samples of shape \(data.sampleShape); the model \(folder.lastPathComponent) makes \(teacher.sampleShape)",
                                     hint: "data of the model's shape (an image folder is read at the model's size when it is square and at most 64)")
        }
        let classes = teacher.configuration.classCount
        guard classes == 0 || data.classCount == classes else {
            throw ConfigurationError(location: "--data \(name)", what: "\(data.classCount) classes; the model has a class table of \(classes)",
                                     hint: "data with the model's classes, in its order")
        }
    }

    /// ``ownSampleCount`` Heun samples of `teacher` (18 steps over its own σ range, balanced
    /// over its classes), split in two; drawn once per model and cached under
    /// `cacheBase/imported-references/`, keyed by the model's configuration and weights.
    static func ownSamples(of teacher: EDMDenoiser, name: String, modelFolder: URL) throws -> (LabeledDataset, LabeledDataset) {
        let layout = try DiffusersFolder.layout(of: modelFolder)
        var h = ContentHash()   // over the config, the weights and the scheduler config
        for file in [layout.config, layout.weights] + (layout.scheduler.map { [$0] } ?? []) {
            h.add(bytes: FileManager.default.contents(atPath: file.path) ?? Data())
        }
        let cache = ImageFolder.cacheBase.appendingPathComponent("imported-references/\(h.text)-\(ownSampleCount).safetensors")
        let shape = teacher.sampleShape, classes = teacher.configuration.classCount
        let labels = classes > 0 ? ModelEvaluation.balancedLabels(classes: classes, perClass: Swift.max(1, ownSampleCount / classes))
            : [Int](repeating: Conditions.nullLabel, count: ownSampleCount)
        var values = (try? SafeTensors.read(contentsOf: cache).tensor("samples"))?.storage ?? []
        if values.count != labels.count * Shape.count(shape) {
            let range = teacher.configuration.schedule!.sigmaRange
            let sampler = HeunSampler(schedule: KarrasSchedule(steps: 18, sigmaMin: Float(Swift.max(range.min, 0.002)), sigmaMax: Float(range.max)))
            var rng = RandomStream(seed: 0, .importedTeacherReference)
            values = []
            for start in stride(from: 0, to: labels.count, by: 32) {
                let batch = Array(labels[start..<Swift.min(start + 32, labels.count)])
                values += withoutGradients {
                    sampler.sample(teacher, guidance: ClassifierFreeGuidance(scale: 1), conditions: Conditions(labels: batch), rng: &rng)
                }.storage
            }
            try? FileManager.default.createDirectory(at: cache.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? Files.atomically(cache.path) { try SafeTensors.write(["samples": Tensor(shape: [labels.count] + shape, storage: values)], to: URL(fileURLWithPath: $0)) }
        }
        let all = LabeledDataset(name: name, values: values, labels: labels, sampleShape: shape,
                                 imageSize: shape.count == 3 ? (shape[1], shape[2]) : nil, classNames: (0..<classes).map(String.init),
                                 evaluator: "sample-statistics", architecture: "unet2d")
        return all.split(fraction: 0.5, seed: 0)
    }
}
