import DIPPTensor

/// A labelled data set held in memory: `count` samples of `sampleShape`, each with a class.
///
/// Values are scaled for diffusion: images to [−1, 1]; 2-D points as they are. A data set
/// describes itself — its ``kind``, the evaluator that scores samples of it and the denoiser
/// architecture a teacher of it uses — so nothing downstream guesses from its shape or name.
public struct LabeledDataset: Sendable {
    /// What one sample is.
    public enum Kind: String, Sendable, Codable {
        /// A vector of coordinates (the 2-D toy).
        case points
        /// An image (`imageSize` is set; `sampleShape` may still be flat, as the digits' `[64]`).
        case image
        /// A rendered view of a 3-D scene from a recorded camera (`cameras` is set).
        case renderedViews = "rendered-views"
    }

    /// The name used on the command line (`gmm2d`, `digits`, `fashion-mnist`).
    public let name: String
    /// Row-major samples, `count × dimension`.
    public let values: [Float]
    /// Class of each sample, in `0..<classNames.count`; −1 (the null condition) for data without classes.
    public let labels: [Int]
    /// Per-sample shape: `[2]`, `[64]` (8x8 digits as vectors) or `[1, 28, 28]`.
    public let sampleShape: [Int]
    /// Height and width when samples are images, for PNG grids.
    public let imageSize: (height: Int, width: Int)?
    public let classNames: [String]
    /// Captioned data (`digits-text`): the captions each sample may be given, one drawn per use.
    public let captions: [[String]]?
    /// Rendered data (`shapes3d`): the camera each sample was seen from.
    public let cameras: Cameras?
    /// The registered evaluator that scores samples of this data (`mode-coverage`,
    /// `image-classifier`, `sample-statistics`).
    public let evaluator: String
    /// The registered denoiser architecture a teacher of this data uses unless its configuration
    /// names one (`mlp`, `unet`).
    public let architecture: String
    /// Data that comes with its own held-out split (an image folder's `train/` and `test/`):
    /// the first `predefinedSplit` samples are the training split, the rest the held-out one.
    public let predefinedSplit: Int?

    /// - Parameters:
    ///   - evaluator: by default `image-classifier` for images and rendered views with classes,
    ///     else `sample-statistics` (moments and MMD against held-out samples).
    ///   - architecture: by default `mlp`, which takes any shape.
    public init(name: String, values: [Float], labels: [Int], sampleShape: [Int],
                imageSize: (height: Int, width: Int)?, classNames: [String], captions: [[String]]? = nil, cameras: Cameras? = nil,
                evaluator: String? = nil, architecture: String = "mlp", predefinedSplit: Int? = nil) {
        precondition(values.count == labels.count * Shape.count(sampleShape), "LabeledDataset: values and labels disagree")
        precondition(captions.map { $0.count == labels.count && $0.allSatisfy { !$0.isEmpty } } ?? true,
                     "LabeledDataset: every sample needs at least one caption")
        precondition(cameras.map { $0.values.count == labels.count * $0.dimension } ?? true, "LabeledDataset: one camera per sample")
        self.captions = captions
        self.cameras = cameras
        self.name = name
        self.values = values
        self.labels = labels
        self.sampleShape = sampleShape
        self.imageSize = imageSize
        self.classNames = classNames
        self.evaluator = evaluator ?? (imageSize != nil && !classNames.isEmpty ? "image-classifier" : "sample-statistics")
        self.architecture = architecture
        self.predefinedSplit = predefinedSplit
    }

    public var kind: Kind { cameras != nil ? .renderedViews : imageSize != nil ? .image : .points }

    /// A ``ContentHash`` over 64-bit words — the sample shape, each value's bit pattern, the
    /// labels: names caches of models trained on this data (classifiers), so other data with the
    /// same name never reuses them.
    public var contentHash: String {
        var h = ContentHash()
        for s in sampleShape { h.add(word: UInt64(truncatingIfNeeded: s)) }
        for v in values { h.add(word: UInt64(v.bitPattern)) }
        for l in labels { h.add(word: UInt64(truncatingIfNeeded: l)) }
        return h.text
    }

    public var count: Int { labels.count }

    /// The smallest and largest value in the data (`[−1, 1]` for the image data sets).
    public var valueRange: (low: Float, high: Float) { (values.min() ?? 0, values.max() ?? 0) }
    public var dimension: Int { Shape.count(sampleShape) }
    public var classCount: Int { classNames.count }
    /// The distinct captions of each class, in first-seen order (`nil` without captions; samples
    /// without a class, label −1, are not in any).
    public var captionsByClass: [[String]]? {
        guard let captions else { return nil }
        var seen = Set<String>(), out = [[String]](repeating: [], count: classCount)
        for (i, options) in captions.enumerated() where labels[i] >= 0 {
            for caption in options where seen.insert(caption).inserted { out[labels[i]].append(caption) }
        }
        return out
    }

    /// The samples at `indices` as a `[indices.count] + sampleShape` tensor, with their labels.
    public func batch(_ indices: [Int]) -> (samples: Tensor, labels: [Int]) {
        var out = [Float]()
        out.reserveCapacity(indices.count * dimension)
        for i in indices { out.append(contentsOf: values[(i * dimension)..<((i + 1) * dimension)]) }
        return (Tensor(shape: [indices.count] + sampleShape, storage: out), indices.map { labels[$0] })
    }

    /// All samples as one tensor.
    public var all: (samples: Tensor, labels: [Int]) { batch(Array(0..<count)) }

    /// The same data under another name (what reports and caches call it).
    public func renamed(_ newName: String) -> LabeledDataset {
        LabeledDataset(name: newName, values: values, labels: labels, sampleShape: sampleShape, imageSize: imageSize, classNames: classNames,
                       captions: captions, cameras: cameras, evaluator: evaluator, architecture: architecture, predefinedSplit: predefinedSplit)
    }

    /// The samples at `indices` as a new data set.
    public func subset(_ indices: [Int]) -> LabeledDataset {
        let (samples, labels) = batch(indices)
        return LabeledDataset(name: name, values: samples.storage, labels: labels, sampleShape: sampleShape,
                              imageSize: imageSize, classNames: classNames, captions: captions.map { c in indices.map { c[$0] } },
                              cameras: cameras?.rows(indices), evaluator: evaluator, architecture: architecture)
    }

    /// The data's own split when it has one (``predefinedSplit``), else ``split(fraction:seed:)``.
    public func trainAndHeldOut(fraction: Double, seed: UInt64) -> (train: LabeledDataset, heldOut: LabeledDataset) {
        guard let cut = predefinedSplit else { let (a, b) = split(fraction: fraction, seed: seed); return (a, b) }
        return (subset(Array(0..<cut)), subset(Array(cut..<count)))
    }

    /// The training and held-out sets as one data set whose ``predefinedSplit`` remembers the cut.
    public static func joined(train: LabeledDataset, heldOut: LabeledDataset) -> LabeledDataset {
        precondition(train.sampleShape == heldOut.sampleShape && train.classNames == heldOut.classNames && (train.captions == nil) == (heldOut.captions == nil),
                     "LabeledDataset.joined: the splits differ in shape, classes or captions")
        return LabeledDataset(name: train.name, values: train.values + heldOut.values, labels: train.labels + heldOut.labels,
                              sampleShape: train.sampleShape, imageSize: train.imageSize, classNames: train.classNames,
                              captions: train.captions.map { $0 + heldOut.captions! }, evaluator: train.evaluator,
                              architecture: train.architecture, predefinedSplit: train.count)
    }

    /// A seeded split into two halves (`fraction` of the samples first), stratified by class so
    /// both halves keep the class balance (data without classes is one group).
    public func split(fraction: Double = 0.5, seed: UInt64) -> (first: LabeledDataset, second: LabeledDataset) {
        var rng = RandomStream(seed: seed, .dataSplit)
        var first: [Int] = [], second: [Int] = []
        for c in 0..<Swift.max(classCount, 1) {
            let members = (0..<count).filter { classCount == 0 || labels[$0] == c }
            let order = rng.permutation(members.count).map { members[$0] }
            let cut = Int((Double(members.count) * fraction).rounded())
            first += order[..<cut]
            second += order[cut...]
        }
        return (subset(first.sorted()), subset(second.sorted()))
    }

    /// Standard deviation of all values (EDM's `σ_data` default).
    public var standardDeviation: Float { Float(Statistics.populationStandardDeviation(values)) }
}

/// The camera vector of each sample of a rendered data set, `[count, dimension]` row-major.
public struct Cameras: Sendable, Equatable {
    public let dimension: Int
    public let values: [Float]

    public init(dimension: Int, values: [Float]) {
        precondition(dimension > 0 && values.count % dimension == 0, "Cameras: \(values.count) values are not rows of \(dimension)")
        (self.dimension, self.values) = (dimension, values)
    }

    /// The rows at `indices`, in order.
    public func rows(_ indices: [Int]) -> Cameras {
        Cameras(dimension: dimension, values: indices.flatMap { values[($0 * dimension)..<(($0 + 1) * dimension)] })
    }
}
