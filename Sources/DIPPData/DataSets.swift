import DIPPTensor
import Foundation

/// The data sets known by name on the command line.
public enum DataSets {
    public static let names = ["gmm2d", "digits", "fashion-mnist"]

    /// Loads the training split of the named data set.
    /// - Parameters:
    ///   - file: an explicit file (digits CSV) or folder (Fashion-MNIST IDX files) instead of the default.
    ///   - seed: seeds the generated `gmm2d` points (20 000 of them).
    public static func load(_ name: String, file: String? = nil, seed: UInt64 = 0) throws -> LabeledDataset {
        switch name {
        case "gmm2d":
            var rng = RandomStream(seed: seed, stream: 0x6D6D)
            return GaussianMixture2D().sample(20_000, rng: &rng)
        case "digits":
            return try Digits.load(from: file.map { URL(fileURLWithPath: $0) })
        case "fashion-mnist":
            return try FashionMNIST.load(folder: file ?? FashionMNIST.defaultFolder, train: true)
        default:
            throw DataError(location: "data set '\(name)'", what: "unknown data set",
                            hint: "choose one of: \(names.joined(separator: ", "))")
        }
    }
}
