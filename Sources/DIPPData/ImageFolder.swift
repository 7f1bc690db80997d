import DIPPTensor
import Foundation

/// A folder of the user's images as a data set (`--data images:DIR`), laid out as Hugging Face
/// `datasets`' `imagefolder`.
///
/// - Files: every `.png`, `.jpg`, `.jpeg` (any case) below the folder, decoded by content;
///   other files and hidden ones (`.DS_Store`, `._x.png`, `.git/`) are ignored. An image file
///   that does not decode (empty, truncated, not an image) is skipped and reported. Images are
///   taken in byte order of their relative paths.
/// - Splits: with a `train/` sub-folder, the data set is `train/` and the held-out set
///   `validation/` (else `test/`, else none); other files are ignored. Without, there is no
///   held-out set (the caller splits).
/// - Metadata: `metadata.jsonl` or `metadata.csv` in a split's folder (else in the root) lists
///   the images to use, `file_name` relative to the metadata file, with optional `text` (the
///   caption: every image then needs one) and `label` (class indices 0, 1, …, or class names,
///   sorted by name). Images it does not list are ignored; a row naming a missing image is an error.
/// - Classes without a `label` column: the first-level sub-folder names (sorted) when every
///   image lies in one and there are at least two; else none (label −1).
/// - Pixels: alpha is composited onto white, `v = α·c + (1 − α)·1`, in the stored sRGB-encoded
///   values (16-bit PNGs are first brought to the same form, ``Files/readImage(_:)``). Channels are 1
///   when every image is grey, else 3; a `channels` argument forces it (grey replicated into RGB,
///   RGB to grey by BT.601 luma `0.299 R + 0.587 G + 0.114 B`). With a `resolution` `N`, the shorter
///   side is resized to `N` (PIL's antialiased bilinear, ``ImageResampling/taps(input:output:indices:)``)
///   and the middle `N × N` cropped (offset `⌊(size − N)/2⌋`); an `N × N` image is copied
///   untouched. Values are scaled to [−1, 1] as `v·2 − 1` — for an untouched 8-bit sample,
///   `Float(byte)/127.5 − 1`, bit for bit what ``FashionMNIST`` gives.
/// - Cache: decoded tensors are kept in `cache/<key>.safetensors`, the key hashing every used
///   file's path and bytes, the metadata, the resolution, channels and ``cacheFormat``.
public enum ImageFolder {
    /// The sizes a side may have: the U-Net halves an image twice (sides divisible by 4) and is
    /// sized for images up to 64 × 64.
    public static let allowedResolutions = Array(stride(from: 8, through: 64, by: 4))
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]
    /// Bumped whenever decoding or the cache layout changes, so older cache files go unused.
    public static let cacheFormat = 1

    /// The denoiser a teacher of the folder uses: diffusers' `UNet2DModel` (`unet2d`, which
    /// exports to diffusers), or DIPP's `unet` for captioned folders — a `UNet2DModel` reads
    /// no text.
    public static func architecture(captioned: Bool) -> String { captioned ? "unet" : "unet2d" }

    /// An image file that was not used, and why.
    public struct SkippedFile: Sendable, Equatable, Codable {
        /// Relative to the image folder.
        public let path: String
        public let reason: String

        public init(path: String, reason: String) { (self.path, self.reason) = (path, reason) }
    }

    /// What the cache did.
    public enum CacheOutcome: Sendable, Equatable {
        /// No cache folder was given.
        case unused
        /// The data came from the cache file.
        case hit
        /// The images were decoded and the cache file written.
        case written
        /// The images were decoded; the cache file could not be written (why).
        case notWritten(String)
    }

    public struct Loaded: Sendable {
        /// The training images (`train/` when the folder is split), named `images (FOLDER)`.
        public let dataset: LabeledDataset
        /// `validation/` or `test/`, when the folder has `train/`.
        public let heldOut: LabeledDataset?
        public let skipped: [SkippedFile]
        public let cache: CacheOutcome
    }

    /// One image to use: its path relative to the folder and what the metadata says of it.
    struct Entry {
        let path: String
        let text: String?
        let label: ImageFolderMetadata.Label?
    }

    /// Loads the images below `folder`.
    /// - Parameters:
    ///   - resolution: the side `N` of the square images, in ``allowedResolutions``; `nil` takes the
    ///     images as they are, which must then all have one size with sides in ``allowedResolutions``.
    ///   - channels: 1 or 3 to force grey or RGB; `nil` chooses (1 when every image is grey).
    ///   - cache: a folder for decoded tensors (created if missing), or `nil` for none.
    /// - Throws: ``DataError`` for a bad argument, a folder without a readable image, malformed
    ///   metadata, a missing caption or label, or (without `resolution`) images of different sizes.
    public static func load(folder: String, resolution: Int?, channels: Int? = nil, cache: URL?) throws -> Loaded {
        if let resolution, !allowedResolutions.contains(resolution) {
            throw DataError(location: "resolution \(resolution)", what: "the image side must be a multiple of 4 from 8 to 64",
                            hint: "the U-Net halves the image twice, so its side must divide by 4; pass e.g. --resolution 32")
        }
        if let channels, channels != 1 && channels != 3 {
            throw DataError(location: "channels \(channels)", what: "images have 1 (grey) or 3 (RGB) channels", hint: "pass 1 or 3")
        }
        let root = URL(fileURLWithPath: folder).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(location: folder, what: "no such folder", hint: "--data images:DIR takes a folder of .png/.jpg images")
        }
        let name = "images (\(URL(fileURLWithPath: root).lastPathComponent))"
        var visited = Set<String>()
        let files = try walk(root: root, relative: "", visited: &visited).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let images = files.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }

        // The parts: the whole folder, or train/ and a held-out split.
        var parts = [""]
        if directoryExists(root, "train") {
            parts.append(contentsOf: ["validation", "test"].first { directoryExists(root, $0) }.map { [$0] } ?? [])
            parts[0] = "train"
        }
        var metadataFiles = [String: [UInt8]]()
        let entries = try parts.map { part in
            try Self.entries(root: root, part: part, images: images, metadataFiles: &metadataFiles)
        }
        let labelling = try Self.labels(entries, parts: parts, root: root)
        let captionLists = try Self.captions(entries, root: root)

        // The cache.
        let key = cache == nil ? "" : cacheKey(root: root, entries: entries, metadataFiles: metadataFiles, resolution: resolution, channels: channels)
        let cacheFile = cache?.appendingPathComponent("\(key).safetensors")
        if let cacheFile, let loaded = readCache(cacheFile, key: key, name: name, classNames: labelling.classNames) {
            return loaded
        }

        // Decoding.
        var skipped = [SkippedFile]()
        var decoded = [[(index: Int, planes: ImagePlanes, grey: Bool)]]()
        var commonSize: (height: Int, width: Int)?
        for (p, part) in entries.enumerated() {
            var out = [(index: Int, planes: ImagePlanes, grey: Bool)]()
            for (i, entry) in part.enumerated() {
                let image: DecodedImage
                do {
                    image = try Files.readImage(ImageFolderMetadata.join(root, entry.path))
                } catch {
                    skipped.append(SkippedFile(path: entry.path, reason: (error as? DataError)?.what ?? "\(error)"))
                    continue
                }
                var planes = ImageResampling.planes(image)
                if let resolution {
                    planes = ImageResampling.fitted(planes, resolution: resolution)
                } else {
                    try checkSize(planes, of: entry.path, against: &commonSize, root: root)
                }
                out.append((i, planes, image.isGrey))
            }
            if out.isEmpty && !part.isEmpty {
                let reasons = skipped.filter { $0.path.hasPrefix(parts[p]) }.prefix(3).map { "\($0.path): \($0.reason)" }
                throw DataError(location: ImageFolderMetadata.join(root, parts[p]),
                                what: "no readable image (\(part.count) skipped: \(reasons.joined(separator: "; "))\(part.count > 3 ? "; …" : ""))",
                                hint: "the folder needs complete .png/.jpg/.jpeg images")
            }
            decoded.append(out)
        }
        guard let first = decoded.first, !first.isEmpty else {
            throw DataError(location: ImageFolderMetadata.join(root, parts[0]), what: "no .png, .jpg or .jpeg image",
                            hint: "put the images in the folder (sub-folders name classes), or list them in metadata.jsonl/metadata.csv")
        }
        let targetChannels = channels ?? (decoded.joined().allSatisfy { $0.grey } ? 1 : 3)

        var datasets = [LabeledDataset]()
        for (p, part) in decoded.enumerated() where !part.isEmpty {
            var values = [Float]()
            let sample = ImageResampling.converted(part[0].planes, to: targetChannels)
            values.reserveCapacity(part.count * sample.values.count)
            for item in part { values += ImageResampling.converted(item.planes, to: targetChannels).scaled }
            datasets.append(LabeledDataset(name: name, values: values, labels: part.map { labelling.labels[p][$0.index] },
                                           sampleShape: [targetChannels, sample.height, sample.width], imageSize: (sample.height, sample.width),
                                           classNames: labelling.classNames, captions: captionLists.map { c in part.map { [c[p][$0.index]] } },
                                           architecture: ImageFolder.architecture(captioned: captionLists != nil)))
        }
        let heldOut = datasets.count > 1 ? datasets[1] : nil
        var outcome = CacheOutcome.unused
        if let cacheFile {
            do {
                try writeCache(cacheFile, key: key, dataset: datasets[0], heldOut: heldOut, skipped: skipped)
                outcome = .written
            } catch {
                outcome = .notWritten((error as? any DiagnosticError)?.what ?? "\(error)")
            }
        }
        return Loaded(dataset: datasets[0], heldOut: heldOut, skipped: skipped, cache: outcome)
    }

    // MARK: - Files

    static func directoryExists(_ root: String, _ relative: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: ImageFolderMetadata.join(root, relative), isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Every non-hidden file below `root/relative`, relative to `root`; symbolic links are followed,
    /// each real folder visited once.
    static func walk(root: String, relative: String, visited: inout Set<String>) throws -> [String] {
        let folder = ImageFolderMetadata.join(root, relative)
        guard visited.insert(URL(fileURLWithPath: folder).resolvingSymlinksInPath().path).inserted else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw DataError(location: folder, what: "cannot list the folder", hint: "check its permissions", cause: error)
        }
        var out = [String]()
        for name in names where !name.hasPrefix(".") {
            let path = ImageFolderMetadata.join(relative, name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: ImageFolderMetadata.join(root, path), isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue { out += try walk(root: root, relative: path, visited: &visited) } else { out.append(path) }
        }
        return out
    }

    /// The images of one part (`""`, `train`, `test`, `validation`), in path order, with their
    /// metadata: from the part's own metadata file, else the root's rows that lie in the part.
    static func entries(root: String, part: String, images: [String], metadataFiles: inout [String: [UInt8]]) throws -> [Entry] {
        let prefix = part.isEmpty ? "" : part + "/"
        let inPart = images.filter { $0.hasPrefix(prefix) }
        var metadata = try ImageFolderMetadata.read(root: root, directory: part)
        if metadata == nil && !part.isEmpty { metadata = try ImageFolderMetadata.read(root: root, directory: "") }
        guard let metadata else { return inPart.map { Entry(path: $0, text: nil, label: nil) } }
        metadataFiles[metadata.source] = metadata.bytes
        let available = Set(images)
        var byPath = [String: Entry]()
        for row in metadata.rows {
            let path = ImageFolderMetadata.join(metadata.directory, row.fileName)
            guard path.hasPrefix(prefix) else { continue }
            guard available.contains(path) else {
                let exists = FileManager.default.fileExists(atPath: ImageFolderMetadata.join(root, path))
                throw DataError(location: "\(ImageFolderMetadata.join(root, metadata.source)), line \(row.line)",
                                what: exists ? "'\(row.fileName)' is not a .png, .jpg or .jpeg file" : "'\(row.fileName)' does not exist",
                                hint: "file_name is the image's path relative to the metadata file's folder")
            }
            byPath[path] = Entry(path: path, text: row.text, label: row.label)
        }
        return byPath.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { byPath[$0]! }
    }

    /// With `resolution` nil: every image must have the first one's size, with sides in ``allowedResolutions``.
    static func checkSize(_ planes: ImagePlanes, of path: String, against common: inout (height: Int, width: Int)?, root: String) throws {
        let size = (height: planes.height, width: planes.width)
        if let common, common != size {
            throw DataError(location: ImageFolderMetadata.join(root, path),
                            what: "the image is \(size.width)×\(size.height), others \(common.width)×\(common.height)",
                            hint: "pass --resolution N (8…64, a multiple of 4) to resize and centre-crop every image to N×N")
        }
        guard allowedResolutions.contains(size.height), allowedResolutions.contains(size.width) else {
            throw DataError(location: ImageFolderMetadata.join(root, path), what: "the image is \(size.width)×\(size.height)",
                            hint: "pass --resolution N (8…64, a multiple of 4: the U-Net halves the image twice) to resize and centre-crop it")
        }
        common = size
    }

    // MARK: - Labels and captions

    /// The class names and each entry's label (−1 without classes).
    static func labels(_ entries: [[Entry]], parts: [String], root: String) throws -> (classNames: [String], labels: [[Int]]) {
        let all = entries.joined()
        if let labelled = all.first(where: { $0.label != nil }) {
            if let missing = all.first(where: { $0.label == nil }) {
                throw DataError(location: ImageFolderMetadata.join(root, missing.path),
                                what: "the metadata gives no label for this image (it does for \(labelled.path))",
                                hint: "give every image a label, or none (classes then come from sub-folders)")
            }
            let indices = all.compactMap { entry -> Int? in if case .index(let i) = entry.label { i } else { nil } }
            if indices.count == all.count {
                let largest = indices.max() ?? 0
                guard largest < Swift.max(all.count, 1000), indices.allSatisfy({ $0 >= 0 }) else {
                    throw DataError(location: ImageFolderMetadata.join(root, "metadata"), what: "class index \(largest < 0 ? indices.min()! : largest) for \(all.count) images",
                                    hint: "integer labels are class indices 0, 1, …; name classes with strings instead")
                }
                let names = (0...largest).map(String.init)
                return (names, entries.map { $0.map { entry in if case .index(let i) = entry.label { i } else { -1 } } })
            }
            func name(_ entry: Entry) -> String {
                switch entry.label {
                case .index(let i): String(i)
                case .name(let s): s
                case nil: ""
                }
            }
            let names = Set(all.map(name)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            return (names, entries.map { $0.map { index[name($0)]! } })
        }
        // First-level sub-folders of each part.
        let folders = zip(entries, parts).map { part, prefix in
            part.map { entry -> String? in
                let components = entry.path.dropFirst(prefix.isEmpty ? 0 : prefix.count + 1).split(separator: "/")
                return components.count == 2 ? String(components[0]) : nil
            }
        }
        let flat = folders.joined()
        let names = Set(flat.compactMap { $0 }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard flat.allSatisfy({ $0 != nil }), names.count >= 2 else { return ([], entries.map { $0.map { _ in -1 } }) }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return (names, folders.map { $0.map { index[$0!]! } })
    }

    /// Each entry's caption when the metadata has a `text` column (then every image needs one), else `nil`.
    static func captions(_ entries: [[Entry]], root: String) throws -> [[String]]? {
        guard entries.joined().contains(where: { $0.text != nil }) else { return nil }
        return try entries.map { part in
            try part.map { entry in
                guard let text = entry.text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw DataError(location: ImageFolderMetadata.join(root, entry.path), what: "the metadata gives this image no text",
                                    hint: "with a text column, every image needs a caption")
                }
                return text
            }
        }
    }
}
