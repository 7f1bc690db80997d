import DIPPTensor
import Foundation

/// Fashion-MNIST (Xiao et al., 2017; MIT licence) from the IDX files installed by Debian's
/// `dataset-fashion-mnist` package. Images `[1, 28, 28]` scaled to [−1, 1] (`v/127.5 − 1`).
public enum FashionMNIST {
    public static let defaultFolder = "/usr/share/datasets/fashion-mnist"
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Loads the training (60 000) or test (10 000) split.
    public static func load(folder: String = defaultFolder, train: Bool) throws -> LabeledDataset {
        let prefix = train ? "train" : "t10k"
        let imagesPath = "\(folder)/\(prefix)-images-idx3-ubyte.gz", labelsPath = "\(folder)/\(prefix)-labels-idx1-ubyte.gz"
        guard FileManager.default.fileExists(atPath: imagesPath), FileManager.default.fileExists(atPath: labelsPath) else {
            throw DataError(location: folder, what: "Fashion-MNIST files are not installed (\(prefix)-images-idx3-ubyte.gz)",
                            hint: "install them with: apt-get install dataset-fashion-mnist")
        }
        return try parse(images: Files.readGzip(imagesPath), labels: Files.readGzip(labelsPath), imagesSource: imagesPath,
                         labelsSource: labelsPath)
    }

    /// The data set from the (decompressed) IDX image and label files.
    public static func parse(images: [UInt8], labels: [UInt8], imagesSource: String, labelsSource: String) throws -> LabeledDataset {
        let (count, rows, columns) = try imageHeader(images, source: imagesSource)
        let labelCount = try labelHeader(labels, source: labelsSource)
        guard labelCount == count else {
            throw DataError(location: labelsSource, what: "\(labelCount) labels for \(count) images",
                            hint: "the image and label files come from different splits; reinstall the package")
        }
        let values = images[16...].map { Float($0) / 127.5 - 1 }
        let classes = labels[8...].map(Int.init)
        guard classes.allSatisfy({ $0 < 10 }) else {
            throw DataError(location: labelsSource, what: "a label is outside 0…9", hint: "the file is corrupt; reinstall the package")
        }
        return LabeledDataset(name: "fashion-mnist", values: Array(values), labels: Array(classes),
                              sampleShape: [1, rows, columns], imageSize: (rows, columns), classNames: classNames,
                              architecture: "unet")
    }

    static func bigEndian(_ bytes: [UInt8], _ offset: Int) -> Int {
        (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
    }

    /// IDX images: magic 0x00000803, count, rows, columns, then `count·rows·columns` bytes.
    static func imageHeader(_ bytes: [UInt8], source: String) throws -> (Int, Int, Int) {
        guard bytes.count >= 16, bigEndian(bytes, 0) == 0x803 else {
            throw DataError(location: source, what: "not an IDX image file (magic 0x00000803 missing)", hint: "reinstall dataset-fashion-mnist")
        }
        let (n, r, c) = (bigEndian(bytes, 4), bigEndian(bytes, 8), bigEndian(bytes, 12))
        let (area, overflowArea) = r.multipliedReportingOverflow(by: c)
        let (pixels, overflow) = n.multipliedReportingOverflow(by: area)
        guard !overflowArea, !overflow, bytes.count - 16 == pixels, r > 0, c > 0 else {
            throw DataError(location: source, what: "\(bytes.count - 16) pixel bytes for \(n) images of \(r)x\(c)",
                            hint: "the file is truncated; reinstall dataset-fashion-mnist")
        }
        return (n, r, c)
    }

    /// IDX labels: magic 0x00000801, count, then `count` bytes.
    static func labelHeader(_ bytes: [UInt8], source: String) throws -> Int {
        guard bytes.count >= 8, bigEndian(bytes, 0) == 0x801 else {
            throw DataError(location: source, what: "not an IDX label file (magic 0x00000801 missing)", hint: "reinstall dataset-fashion-mnist")
        }
        let n = bigEndian(bytes, 4)
        guard bytes.count - 8 == n else {
            throw DataError(location: source, what: "\(bytes.count - 8) label bytes for \(n) labels", hint: "the file is truncated; reinstall dataset-fashion-mnist")
        }
        return n
    }
}
