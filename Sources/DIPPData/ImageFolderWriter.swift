import DIPPTensor
import Foundation

/// Writes a data set of images out as a Hugging Face `imagefolder`: what `--data images:DIR`
/// reads back (Fashion-MNIST for the bring-your-own example, a generator's samples, …).
///
/// Layout: one sub-folder per class, named `NN-name` (the class index zero-padded, so the
/// folders sort in class order and the labels read back are the same), files `NNNNN.png|jpg`
/// in data order; data without classes goes in the folder itself. With captions, a
/// `metadata.jsonl` at the root gives each file its `text` (its first caption) and `label`.
public enum ImageFolderWriter {
    public enum Format: String, CaseIterable, Sendable { case png, jpeg }

    /// The folder name of class `index` of `names`: `NN-name`, the name stripped to letters,
    /// digits and `-` (`T-shirt/top` → `00-T-shirt-top`).
    public static func classFolder(_ index: Int, of names: [String]) -> String {
        let width = String(max(names.count - 1, 1)).count
        let cleaned = names[index].map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        return String(repeating: "0", count: max(width - String(index).count, 0)) + "\(index)-\(cleaned)"
    }

    /// Writes `data` (images `[C, H, W]` in [−1, 1], `byte = round((v + 1)·127.5)`) to `folder`,
    /// returning the relative path of each sample in order. JPEGs at `quality`.
    @discardableResult
    public static func write(_ data: LabeledDataset, to folder: String, format: Format, quality: Int = 95, captions: Bool = false) throws -> [String] {
        guard data.kind == .image, data.sampleShape.count == 3, [1, 3].contains(data.sampleShape[0]) else {
            throw DataError(location: data.name, what: "samples of shape \(data.sampleShape) are not [1 or 3, H, W] images",
                            hint: "write an image data set (fashion-mnist, an image folder)")
        }
        let (c, h, w) = (data.sampleShape[0], data.sampleShape[1], data.sampleShape[2])
        let fm = FileManager.default
        var paths: [String] = [], lines: [String] = []
        for i in 0..<data.count {
            let label = data.labels[i]
            let sub = label >= 0 && !data.classNames.isEmpty ? classFolder(label, of: data.classNames) + "/" : ""
            let relative = sub + String(format: "%05d.", i) + (format == .png ? "png" : "jpg")
            let path = folder + "/" + relative
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let values = data.values[(i * c * h * w)..<((i + 1) * c * h * w)]
            var pixels = [UInt8](repeating: 0, count: c * h * w)   // CHW → HWC bytes
            for (k, v) in values.enumerated() {
                let (channel, position) = (k / (h * w), k % (h * w))
                pixels[position * c + channel] = UInt8(Swift.max(0, Swift.min(255, ((v + 1) * 127.5).rounded())))
            }
            switch format {
            case .png: try Files.writePNG(pixels, width: w, height: h, channels: c, to: path)
            case .jpeg: try Files.writeJPEG(pixels, width: w, height: h, channels: c, quality: quality, to: path)
            }
            paths.append(relative)
            if captions {
                var row: [String: Any] = ["file_name": relative]
                if let text = data.captions?[i].first ?? (label >= 0 && !data.classNames.isEmpty ? data.classNames[label] : nil) { row["text"] = text }
                if label >= 0 { row["label"] = label }
                let json = try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys, .withoutEscapingSlashes])
                lines.append(String(decoding: json, as: UTF8.self))
            }
        }
        if captions {
            try Files.atomically(folder + "/metadata.jsonl") { try (lines.joined(separator: "\n") + "\n").write(toFile: $0, atomically: false, encoding: .utf8) }
        }
        return paths
    }
}
