import DIPPTensor
import Foundation

/// The real 8x8 handwritten digits shipped with DIPP (UCI optical digits test set, CC BY 4.0;
/// see `Resources/DIGITS-ATTRIBUTION.md`): 1797 images, grey levels 0…16, labels 0–9.
/// Loaded as 64-vectors scaled to [−1, 1] (`v/8 − 1`).
public enum Digits {
    /// The bundled file.
    public static var bundledURL: URL? { Bundle.module.url(forResource: "digits.csv", withExtension: "gz") }

    /// Loads the bundled file, or `url` when given.
    public static func load(from url: URL? = nil) throws -> LabeledDataset {
        guard let file = url ?? bundledURL else {
            throw DataError(location: "DIPPData resources", what: "the bundled digits.csv.gz is missing",
                            hint: "rebuild DIPP, or pass the file explicitly (--data-file)")
        }
        return try parse(Files.readGzip(file.path), source: file.path)
    }

    /// Parses the CSV text: one image per line, 64 pixel values 0…16, then the label 0–9.
    public static func parse(_ bytes: [UInt8], source: String) throws -> LabeledDataset {
        var values: [Float] = []
        var labels: [Int] = []
        let text = String(decoding: bytes, as: UTF8.self)
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            let here = "\(source), line \(number + 1)"
            guard fields.count == 65 else {
                throw DataError(location: here, what: "expected 65 comma-separated integers, found \(fields.count)",
                                hint: "each line holds 64 pixels (0…16) and a label (0…9)")
            }
            let numbers = fields.map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.allSatisfy({ $0 != nil }) else {
                throw DataError(location: here, what: "a field is not an integer", hint: "each line holds 64 pixels (0…16) and a label (0…9)")
            }
            let pixels = numbers.prefix(64).map { $0! }, label = numbers[64]!
            guard pixels.allSatisfy({ (0...16).contains($0) }), (0...9).contains(label) else {
                throw DataError(location: here, what: "a pixel is outside 0…16 or the label outside 0…9",
                                hint: "each line holds 64 pixels (0…16) and a label (0…9)")
            }
            values += pixels.map { Float($0) / 8 - 1 }
            labels.append(label)
        }
        guard !labels.isEmpty else {
            throw DataError(location: source, what: "the file holds no images", hint: "check that it is the digits CSV")
        }
        return LabeledDataset(name: "digits", values: values, labels: labels, sampleShape: [64],
                              imageSize: (8, 8), classNames: (0...9).map(String.init))
    }
}
