import DIPPTensor
import Foundation

/// The image folder's cache: one safetensors file per decoded folder, `<key>.safetensors`.
///
/// Tensors `train.values` `[count, C, H, W]` and `train.labels` `[count]` (F32; `heldout.*` alike
/// when there is a held-out split); metadata `format`, `key`, `classNames`, `skipped` and
/// `train.captions`/`heldout.captions` as JSON. A file that is unreadable, of another format or
/// key, or inconsistent in any way is ignored (the folder is decoded again and the file rewritten).
extension ImageFolder {
    /// A ``ContentHash`` over the bytes of the cache format, resolution and channels, then every
    /// used image's relative path and bytes, then each metadata file's path and bytes; each field
    /// preceded by its length.
    static func cacheKey(root: String, entries: [[Entry]], metadataFiles: [String: [UInt8]], resolution: Int?, channels: Int?) -> String {
        var h = ContentHash()
        func field(_ data: Data) {
            withUnsafeBytes(of: UInt64(data.count).littleEndian) { h.add(bytes: $0) }
            data.withUnsafeBytes { h.add(bytes: $0) }
        }
        func field(_ text: String) { field(Data(text.utf8)) }
        field("dipp-imagefolder \(cacheFormat) resolution \(resolution ?? 0) channels \(channels ?? 0)")
        for part in entries {
            field("part \(part.count)")
            for entry in part {
                field(entry.path)
                field(FileManager.default.contents(atPath: ImageFolderMetadata.join(root, entry.path)) ?? Data())
            }
        }
        for source in metadataFiles.keys.sorted() {
            field(source)
            field(Data(metadataFiles[source]!))
        }
        return h.text
    }

    static var cacheFormatName: String { "dipp-imagefolder-\(cacheFormat)" }

    /// The cached data sets, or `nil` when the file is absent, unreadable or does not match.
    static func readCache(_ url: URL, key: String, name: String, classNames: [String]) -> Loaded? {
        guard FileManager.default.fileExists(atPath: url.path), let contents = try? SafeTensors.read(contentsOf: url) else { return nil }
        let metadata = contents.metadata
        guard metadata["format"] == cacheFormatName, metadata["key"] == key,
              decodeJSON([String].self, metadata["classNames"]) == classNames,
              let skipped = decodeJSON([SkippedFile].self, metadata["skipped"]),
              let dataset = cachedDataset("train", contents, name: name, classNames: classNames) else { return nil }
        var heldOut: LabeledDataset?
        if contents.tensors["heldout.values"] != nil {
            guard let held = cachedDataset("heldout", contents, name: name, classNames: classNames) else { return nil }
            heldOut = held
        }
        return Loaded(dataset: dataset, heldOut: heldOut, skipped: skipped, cache: .hit)
    }

    static func cachedDataset(_ prefix: String, _ contents: SafeTensors.Contents, name: String, classNames: [String]) -> LabeledDataset? {
        guard let values = contents.tensors["\(prefix).values"], let labelTensor = contents.tensors["\(prefix).labels"],
              values.shape.count == 4, labelTensor.shape == [values.shape[0]], values.shape[0] > 0,
              values.shape[1] == 1 || values.shape[1] == 3, values.shape[2] > 0, values.shape[3] > 0,
              values.storage.allSatisfy({ $0 >= -1 && $0 <= 1 }) else { return nil }
        let labels = labelTensor.storage.compactMap { Int(exactly: $0) }
        guard labels.count == labelTensor.count,
              labels.allSatisfy({ classNames.isEmpty ? $0 == -1 : (0..<classNames.count).contains($0) }) else { return nil }
        var captions: [[String]]?
        if let text = contents.metadata["\(prefix).captions"] {
            guard let decoded = decodeJSON([[String]].self, text), decoded.count == labels.count,
                  decoded.allSatisfy({ !$0.isEmpty }) else { return nil }
            captions = decoded
        }
        let shape = Array(values.shape.dropFirst())
        return LabeledDataset(name: name, values: values.storage, labels: labels, sampleShape: shape, imageSize: (shape[1], shape[2]),
                              classNames: classNames, captions: captions, architecture: ImageFolder.architecture(captioned: captions != nil))
    }

    /// Writes the data sets to `url` atomically (its folder created if missing).
    static func writeCache(_ url: URL, key: String, dataset: LabeledDataset, heldOut: LabeledDataset?, skipped: [SkippedFile]) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var tensors = [String: Tensor]()
        var metadata = ["format": cacheFormatName, "key": key, "classNames": try encodeJSON(dataset.classNames),
                        "skipped": try encodeJSON(skipped)]
        for (prefix, data) in [("train", dataset), ("heldout", heldOut)] {
            guard let data else { continue }
            tensors["\(prefix).values"] = Tensor(shape: [data.count] + data.sampleShape, storage: data.values)
            tensors["\(prefix).labels"] = Tensor(shape: [data.count], storage: data.labels.map(Float.init))
            if let captions = data.captions { metadata["\(prefix).captions"] = try encodeJSON(captions) }
        }
        let bytes = SafeTensors.encode(tensors, metadata: metadata)
        try Files.atomically(url.path) { temporary in try bytes.write(to: URL(fileURLWithPath: temporary)) }
    }

    static func encodeJSON<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decodeJSON<Value: Decodable>(_ type: Value.Type, _ text: String?) -> Value? {
        text.flatMap { try? JSONDecoder().decode(type, from: Data($0.utf8)) }
    }
}
