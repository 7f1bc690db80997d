import DIPPComponents
import DIPPData
import DIPPRuns
import DIPPTensor
import Foundation
import Testing

/// The bundled digits, Fashion-MNIST's IDX reader, gzip and PNG through zlib and libpng, and
/// clear errors for bad files.
@Suite struct DataTests {
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dipp-\(UUID())-\(name)").path
    }

    @Test func bundledDigits() throws {
        let digits = try Digits.load()
        #expect(digits.count == 1797 && digits.dimension == 64 && digits.classCount == 10)
        let counts = (0..<10).map { c in digits.labels.filter { $0 == c }.count }
        #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        #expect(digits.values.min() == -1 && digits.values.max() == 1)
        // First image of the file: row 0 is 0,0,5,13,9,1,0,0 → v/8 − 1.
        let expected: [Float] = [-1, -1, 5.0 / 8 - 1, 13.0 / 8 - 1]
        #expect(Array(digits.values.prefix(4)) == expected)
        let (a, b) = digits.split(fraction: 0.5, seed: 0)
        #expect(a.count + b.count == 1797)
        #expect(Set(a.labels) == Set(0..<10) && Set(b.labels) == Set(0..<10))
        let (a2, _) = digits.split(fraction: 0.5, seed: 0)
        #expect(a2.values == a.values, "the split is seeded")
    }

    @Test func malformedDigitsFile() throws {
        let path = Self.temporary("digits.csv.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Files.writeGzip(Array("0,1,2\n".utf8), to: path)
        do {
            _ = try Digits.load(from: URL(fileURLWithPath: path))
            Issue.record("a 3-column file was accepted")
        } catch let error as DataError {
            #expect(error.location.hasSuffix("line 1") && error.what.contains("65"))
        }
        var truncated = try Data(contentsOf: Digits.bundledURL!)
        truncated.removeLast(truncated.count / 2)
        try truncated.write(to: URL(fileURLWithPath: path))
        #expect(throws: DataError.self) { try Digits.load(from: URL(fileURLWithPath: path)) }
    }

    @Test func fashionMNISTReaderOnSyntheticIDX() throws {
        let folder = Self.temporary("fashion")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let big = { (v: Int) in [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        let pixels = (0..<(2 * 4 * 4)).map { UInt8($0 * 8) }
        try Files.writeGzip(big(0x803) + big(2) + big(4) + big(4) + pixels, to: "\(folder)/t10k-images-idx3-ubyte.gz")
        try Files.writeGzip(big(0x801) + big(2) + [7, 3], to: "\(folder)/t10k-labels-idx1-ubyte.gz")
        let data = try FashionMNIST.load(folder: folder, train: false)
        #expect(data.count == 2 && data.sampleShape == [1, 4, 4] && data.labels == [7, 3])
        #expect(data.values[1] == 8 / 127.5 - 1)
        try Files.writeGzip(big(0x801) + big(3) + [7, 3, 1], to: "\(folder)/t10k-labels-idx1-ubyte.gz")
        #expect(throws: DataError.self) { try FashionMNIST.load(folder: folder, train: false) }
    }

    /// Found by reading for the fuzz harness: header sizes whose product overflows, and empty
    /// images, are errors, not traps.
    @Test func idxHeadersThatOverflowAreRefused() {
        func header(_ magic: UInt32, _ fields: [UInt32]) -> [UInt8] {
            ([magic] + fields).flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } }
        }
        let labels = header(0x801, [1]) + [3]
        for images in [header(0x803, [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]), header(0x803, [1, 0, 5])] {
            #expect(throws: DataError.self) {
                try FashionMNIST.parse(images: images, labels: labels, imagesSource: "images", labelsSource: "labels")
            }
        }
    }

    @Test func missingFashionMNISTNamesTheAptPackage() {
        do {
            _ = try FashionMNIST.load(folder: "/nonexistent", train: true)
            Issue.record("loading from a missing folder succeeded")
        } catch let error as DataError {
            #expect(error.hint.contains("apt-get install dataset-fashion-mnist"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func pngRoundTrip() throws {
        let path = Self.temporary("grid.png")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pixels: [UInt8] = (0..<(5 * 3 * 3)).map { UInt8($0 * 5) }
        try Files.writePNG(pixels, width: 5, height: 3, channels: 3, to: path)
        let back = try Files.readPNG(path, channels: 3)
        #expect(back.width == 5 && back.height == 3 && back.pixels == pixels)
        try ImageGrid.writeGrid([[Float](repeating: -1, count: 4), [Float](repeating: 1, count: 4)], rows: 1, columns: 2,
                                height: 2, width: 2, scale: 2, to: path)
        let grid = try Files.readPNG(path, channels: 1)
        #expect(grid.width == 2 * 5 + 1 && grid.height == 5 + 1)
        #expect(grid.pixels[1 * grid.width + 1] == 0 && grid.pixels[1 * grid.width + 6] == 255 && grid.pixels[0] == 128)
        #expect(throws: DataError.self) { try Files.readPNG("/nonexistent.png", channels: 1) }
    }

    @Test func gmm2dData() {
        var rng = RandomStream(seed: 1)
        let data = GaussianMixture2D().sample(8000, rng: &rng)
        #expect(data.classCount == 8)
        for k in 0..<8 {
            let idx = (0..<data.count).filter { data.labels[$0] == k }
            let mx = idx.reduce(0.0) { $0 + Double(data.values[2 * $1]) } / Double(idx.count)
            #expect(Swift.abs(mx - Double(GaussianMixture2D().mean(k).0)) < 0.05)
        }
        #expect(throws: DataError.self) { try Components.standard().loadData("cifar") }
    }
}
