import DIPPNN
import DIPPTensor
import Foundation

/// Where a data set is read from and how it is seeded.
public struct DataSetContext: Sendable {
    /// An explicit file (digits CSV) or folder (Fashion-MNIST IDX files); `nil` = the default.
    public var file: String?
    /// Seeds generated data (`gmm2d`).
    public var seed: UInt64

    public init(file: String? = nil, seed: UInt64 = 0) {
        self.file = file
        self.seed = seed
    }
}

/// The data sets known by name: a registry, so a new data set is one file plus one
/// `DataSets.registry.register(…)` call.
public enum DataSets {
    public static let registry: ComponentRegistry<LabeledDataset, DataSetContext> = {
        let r = ComponentRegistry<LabeledDataset, DataSetContext>(kind: "data set")
        r.register("gmm2d", summary: "20 000 points of the DI++ toy: 8 Gaussians on a circle, one class each") { context in
            var rng = RandomStream(seed: context.seed, .gaussianMixtureData)
            return GaussianMixture2D().sample(20_000, rng: &rng)
        }
        r.register("digits", summary: "the bundled 8x8 digits (1 797 images, 10 classes), as 64-vectors in [−1, 1]") { context in
            try Digits.load(from: context.file.map { URL(fileURLWithPath: $0) })
        }
        r.register("digits-text", summary: "the 8x8 digits with captions from a grammar (\"a bold 7\", \"number seven\", …; DigitCaptions)") { context in
            let digits = try Digits.load(from: context.file.map { URL(fileURLWithPath: $0) })
            return LabeledDataset(name: "digits-text", values: digits.values, labels: digits.labels, sampleShape: digits.sampleShape,
                                  imageSize: digits.imageSize, classNames: digits.classNames, captions: DigitCaptions.captions(for: digits))
        }
        r.register("shapes3d", summary: "renders [3, 16, 16] of 6 shapes × 4 colours (20 pairs; 4 held out) from recorded cameras, captioned (Shapes3D)") { context in
            Shapes3D.dataSet(views: 400, seed: context.seed)
        }
        r.register("fashion-mnist", summary: "Fashion-MNIST training images [1, 28, 28] (Debian's dataset-fashion-mnist)") { context in
            try FashionMNIST.load(folder: context.file ?? FashionMNIST.defaultFolder, train: true)
        }
        return r
    }()

    /// The registered names.
    public static var names: [String] { registry.catalogue.entries.map(\.name) }

    /// Loads the named data set.
    public static func load(_ name: String, file: String? = nil, seed: UInt64 = 0) throws -> LabeledDataset {
        guard registry.contains(name) else {
            throw DataError(location: "data set '\(name)'", what: "unknown data set", hint: "choose one of: \(names.joined(separator: ", "))")
        }
        return try registry.make(ComponentSpec(name), context: DataSetContext(file: file, seed: seed), path: "data")
    }
}
