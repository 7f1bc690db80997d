import DIPPData
import DIPPTensor
import Foundation
import Testing

/// Image folders (`--data images:DIR`): PNG and JPEG decoding through libpng and libjpeg-turbo,
/// Hugging Face `imagefolder` labels, metadata and splits, compositing, resizing, cropping, the
/// cache, and the files that are skipped.
@Suite struct ImageFolderTests {
    /// A fresh temporary folder.
    static func folder(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-\(UUID())-\(name)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Creates the parent folders of `root/relative` and returns the full path.
    static func place(_ root: String, _ relative: String) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return path
    }

    static func writeGrey(_ root: String, _ relative: String, width: Int, height: Int, _ value: (Int, Int) -> UInt8) throws {
        let pixels = (0..<(width * height)).map { value($0 / width, $0 % width) }
        try Files.writePNG(pixels, width: width, height: height, channels: 1, to: place(root, relative))
    }

    static func writeRGB(_ root: String, _ relative: String, width: Int, height: Int, _ rgb: (UInt8, UInt8, UInt8)) throws {
        let pixels = (0..<(width * height)).flatMap { _ in [rgb.0, rgb.1, rgb.2] }
        try Files.writePNG(pixels, width: width, height: height, channels: 3, to: place(root, relative))
    }

    static func write(_ text: String, _ root: String, _ relative: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: place(root, relative)))
    }

    /// A smooth RGB test picture (JPEG-friendly), `width × height × 3` bytes.
    static func gradient(width: Int, height: Int) -> [UInt8] {
        (0..<(width * height)).flatMap { i -> [UInt8] in
            let (y, x) = (i / width, i % width)
            return [UInt8(x * 255 / (width - 1)), UInt8(y * 255 / (height - 1)), UInt8(128 + (x + y) % 32)]
        }
    }

    // MARK: - Decoding

    @Test func decodesEveryPNGKind() throws {
        let root = try Self.folder("png-kinds")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 8-bit grey and RGB.
        try Self.writeGrey(root, "grey.png", width: 3, height: 2) { y, x in UInt8(40 * y + 10 * x) }
        let grey = try Files.readImage(root + "/grey.png")
        #expect(grey.channels == 1 && grey.bitDepth == 8 && grey.width == 3 && grey.height == 2)
        #expect(grey.bytes == [0, 10, 20, 40, 50, 60] && grey.values[4] == Float(50) / 255)
        try Files.writePNG([255, 0, 0, 0, 128, 255], width: 2, height: 1, channels: 3, to: root + "/rgb.png")
        let rgb = try Files.readImage(root + "/rgb.png")
        #expect(rgb.channels == 3 && rgb.bytes == [255, 0, 0, 0, 128, 255])
        // RGBA: alpha kept, colour not premultiplied.
        try Files.writeRawPNG([200, 100, 50, 128, 10, 20, 30, 0], width: 2, height: 1, bitDepth: 8, colorType: 6, to: root + "/rgba.png")
        let rgba = try Files.readImage(root + "/rgba.png")
        #expect(rgba.channels == 4 && rgba.hasAlpha && rgba.bytes == [200, 100, 50, 128, 10, 20, 30, 0])
        // Palette: expanded to RGB, or RGBA with tRNS.
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        try Files.writeRawPNG([0, 1, 2, 1], width: 2, height: 2, bitDepth: 8, colorType: 3, palette: palette, to: root + "/palette.png")
        let opaque = try Files.readImage(root + "/palette.png")
        #expect(opaque.channels == 3 && opaque.bytes == [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 0])
        try Files.writeRawPNG([0, 1, 2, 1], width: 2, height: 2, bitDepth: 8, colorType: 3, palette: palette, transparency: [255, 64],
                              to: root + "/palette-alpha.png")
        let translucent = try Files.readImage(root + "/palette-alpha.png")
        #expect(translucent.channels == 4 && Array(translucent.bytes!.prefix(8)) == [255, 0, 0, 255, 0, 255, 0, 64])
        #expect(translucent.bytes![11] == 255, "entries past the tRNS list are opaque")
        // 16-bit grey without gAMA: v/65535, up to libpng's linear round trip.
        let stored: [Int] = [0, 1000, 32768, 65535]
        try Files.writeRawPNG(stored.flatMap { [UInt8($0 >> 8), UInt8($0 & 255)] }, width: 2, height: 2, bitDepth: 16, colorType: 0,
                              to: root + "/grey16.png")
        let grey16 = try Files.readImage(root + "/grey16.png")
        #expect(grey16.channels == 1 && grey16.bitDepth == 16 && grey16.bytes == nil)
        for (value, expected) in zip(grey16.values, stored) { #expect(Swift.abs(value - Float(expected) / 65535) < 2e-3) }
        // 16-bit RGBA: straight (unpremultiplied) colour back from libpng's premultiplied linear output.
        let rgba16: [Int] = [60000, 30000, 5000, 32768]
        try Files.writeRawPNG(rgba16.flatMap { [UInt8($0 >> 8), UInt8($0 & 255)] }, width: 1, height: 1, bitDepth: 16, colorType: 6,
                              to: root + "/rgba16.png")
        let straight = try Files.readImage(root + "/rgba16.png")
        #expect(straight.channels == 4 && straight.bitDepth == 16)
        for (value, expected) in zip(straight.values, rgba16) { #expect(Swift.abs(value - Float(expected) / 65535) < 2e-3) }
    }

    @Test func decodesJPEGWithinQuantisationError() throws {
        let root = try Self.folder("jpeg")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (width, height) = (48, 40)
        let colour = Self.gradient(width: width, height: height)
        let grey = stride(from: 0, to: colour.count, by: 3).map { colour[$0] / 2 + colour[$0 + 1] / 2 }
        try Files.writeJPEG(colour, width: width, height: height, channels: 3, quality: 95, to: root + "/colour.jpg")
        try Files.writeJPEG(grey, width: width, height: height, channels: 1, quality: 95, to: root + "/grey.JPEG")
        for (name, source, channels) in [("colour.jpg", colour, 3), ("grey.JPEG", grey, 1)] {
            let image = try Files.readImage(root + "/" + name)
            #expect(image.channels == channels && image.width == width && image.height == height && image.bitDepth == 8)
            let error = zip(image.bytes!, source).map { Swift.abs(Double($0) - Double($1)) }.reduce(0, +) / Double(source.count)
            #expect(error < 3, "\(name): mean absolute error \(error) of 255")
        }
        // Decoded by content: a JPEG named .png reads as a JPEG.
        try FileManager.default.copyItem(atPath: root + "/colour.jpg", toPath: root + "/really-a-jpeg.png")
        #expect(try Files.readImage(root + "/really-a-jpeg.png").channels == 3)
    }

    @Test func brokenFilesAreNamed() throws {
        let root = try Self.folder("broken")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Files.writePNG(Self.gradient(width: 16, height: 16), width: 16, height: 16, channels: 3, to: root + "/whole.png")
        try Files.writeJPEG(Self.gradient(width: 16, height: 16), width: 16, height: 16, channels: 3, to: root + "/whole.jpg")
        let png = try Data(contentsOf: URL(fileURLWithPath: root + "/whole.png"))
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: root + "/whole.jpg"))
        try png.prefix(png.count / 2).write(to: URL(fileURLWithPath: root + "/truncated.png"))
        try jpeg.prefix(jpeg.count / 2).write(to: URL(fileURLWithPath: root + "/truncated.jpg"))
        try Data().write(to: URL(fileURLWithPath: root + "/empty.png"))
        try Self.write("not an image\n", root, "text.png")
        try Self.write("notes", root, "notes.txt")
        try Self.write("junk", root, ".DS_Store")

        for (name, phrase) in [("empty.png", "empty file"), ("text.png", "not a PNG or JPEG"), ("truncated.png", "PNG"),
                               ("truncated.jpg", "Premature end of JPEG file")] {
            do {
                _ = try Files.readImage(root + "/" + name)
                Issue.record("\(name) was decoded")
            } catch let error as DataError {
                #expect(error.what.contains(phrase), "\(name): \(error.what)")
            }
        }
        let loaded = try ImageFolder.load(folder: root, resolution: 16, cache: nil)
        #expect(loaded.dataset.count == 2 && loaded.dataset.sampleShape == [3, 16, 16])
        #expect(loaded.skipped.map(\.path) == ["empty.png", "text.png", "truncated.jpg", "truncated.png"])
        #expect(loaded.skipped.allSatisfy { !$0.reason.isEmpty })
        #expect(loaded.skipped[0].reason.contains("empty file") && loaded.skipped[1].reason.contains("first bytes"))

        for name in ["whole.png", "whole.jpg"] { try FileManager.default.removeItem(atPath: root + "/" + name) }
        do {
            _ = try ImageFolder.load(folder: root, resolution: 16, cache: nil)
            Issue.record("a folder of broken images was accepted")
        } catch let error as DataError {
            #expect(error.location.hasSuffix(URL(fileURLWithPath: root).lastPathComponent) && error.what.contains("4 skipped")
                    && error.what.contains("empty file"))
        }
    }

    // MARK: - Values

    @Test func untouchedGreyBytesMatchFashionMNISTArithmetic() throws {
        let root = try Self.folder("grey28")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pixel = { (y: Int, x: Int) in UInt8((y * 28 + x) * 7 % 256) }
        // Byte order of paths: "B.png" < "a.png" < "b.png".
        for (name, shift) in [("b.png", 2), ("a.png", 1), ("B.png", 0)] {
            try Self.writeGrey(root, name, width: 28, height: 28) { y, x in pixel(y, x) &+ UInt8(shift) }
        }
        for resolution in [nil, 28] as [Int?] {
            let data = try ImageFolder.load(folder: root, resolution: resolution, cache: nil).dataset
            #expect(data.name == "images (\(URL(fileURLWithPath: root).lastPathComponent))")
            #expect(data.count == 3 && data.sampleShape == [1, 28, 28] && data.imageSize! == (28, 28))
            #expect(data.classNames.isEmpty && data.labels == [-1, -1, -1] && data.architecture == "unet2d" && data.captions == nil)
            for (i, shift) in [0, 1, 2].enumerated() {
                let expected = (0..<(28 * 28)).map { Float(pixel($0 / 28, $0 % 28) &+ UInt8(shift)) / 127.5 - 1 }
                let got = Array(data.values[(i * 784)..<((i + 1) * 784)])
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "image \(i), resolution \(String(describing: resolution))")
            }
        }
    }

    @Test func alphaIsCompositedOntoWhite() throws {
        let root = try Self.folder("alpha")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Pixel 0: (200, 100, 50) at α 128/255; pixel 1: fully transparent; the rest opaque black.
        var samples = [UInt8](repeating: 0, count: 8 * 8 * 4)
        for p in 0..<64 { samples[4 * p + 3] = 255 }
        samples.replaceSubrange(0..<8, with: [200, 100, 50, 128, 10, 20, 30, 0])
        try Files.writeRawPNG(samples, width: 8, height: 8, bitDepth: 8, colorType: 6, to: root + "/rgba.png")
        let data = try ImageFolder.load(folder: root, resolution: 8, cache: nil).dataset
        #expect(data.sampleShape == [3, 8, 8])
        let alpha = Float(128) / 255
        for (k, c) in [200, 100, 50].enumerated() {
            let composited = alpha * (Float(c) / 255) + (1 - alpha)
            #expect(Swift.abs(data.values[k * 64] - (composited * 2 - 1)) < 1e-6)
            #expect(data.values[k * 64 + 1] == 1, "transparent is white")
            #expect(data.values[k * 64 + 2] == -1, "opaque black stays black")
        }
    }

    @Test func channelsFollowTheImagesOrTheArgument() throws {
        let root = try Self.folder("channels")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.writeGrey(root, "grey.png", width: 8, height: 8) { _, _ in 100 }
        try Self.writeRGB(root, "red.png", width: 8, height: 8, (200, 40, 10))
        let mixed = try ImageFolder.load(folder: root, resolution: 8, cache: nil).dataset
        #expect(mixed.sampleShape == [3, 8, 8], "one colour image makes the set RGB")
        let grey = Float(100) / 127.5 - 1
        #expect(mixed.values[0..<192].allSatisfy { $0 == grey }, "grey is replicated exactly")
        let forced = try ImageFolder.load(folder: root, resolution: 8, channels: 1, cache: nil).dataset
        #expect(forced.sampleShape == [1, 8, 8])
        let luma = (0.299 * 200 + 0.587 * 40 + 0.114 * 10) / 255.0
        #expect(Swift.abs(Double(forced.values[64]) - (luma * 2 - 1)) < 1e-5)
        try FileManager.default.removeItem(atPath: root + "/red.png")
        #expect(try ImageFolder.load(folder: root, resolution: 8, cache: nil).dataset.sampleShape == [1, 8, 8])
    }

    // MARK: - Resizing and cropping

    @Test func constantImageStaysConstant() throws {
        let root = try Self.folder("constant")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.writeRGB(root, "wide.png", width: 90, height: 37, (77, 150, 3))
        try Self.writeRGB(root, "small.png", width: 5, height: 7, (77, 150, 3))
        let data = try ImageFolder.load(folder: root, resolution: 16, cache: nil).dataset
        #expect(data.count == 2 && data.sampleShape == [3, 16, 16])
        for image in 0..<2 {
            for (k, c) in [77, 150, 3].enumerated() {
                let plane = data.values[(image * 768 + k * 256)..<(image * 768 + (k + 1) * 256)]
                #expect(plane.allSatisfy { Swift.abs($0 - (Float(c) / 255 * 2 - 1)) < 1e-5 })
            }
        }
    }

    /// A 32×32 checkerboard of 2×2 blocks halved: the antialiased triangle weighs the block under
    /// an output pixel ¾ and each neighbouring block ⅛ per axis, so inside the image a pixel is
    /// `(¾·¾ + ¼·¼)·own + 2·¾·¼·other` = 0.625 or 0.375 — never the 0 or 1 of point sampling.
    @Test func downsamplingIsAntialiased() throws {
        let root = try Self.folder("checker")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.writeGrey(root, "checker.png", width: 32, height: 32) { y, x in (y / 2 + x / 2) % 2 == 0 ? 255 : 0 }
        let data = try ImageFolder.load(folder: root, resolution: 16, cache: nil).dataset
        #expect(data.sampleShape == [1, 16, 16])
        for y in 1..<15 {
            for x in 1..<15 {
                let expected: Float = (x + y) % 2 == 0 ? 0.625 : 0.375
                #expect(Swift.abs(data.values[y * 16 + x] - (expected * 2 - 1)) < 1e-5, "(\(y), \(x))")
            }
        }
    }

    @Test func nonSquareImagesAreCentreCropped() throws {
        let root = try Self.folder("crop")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 8 wide, 13 tall: the width is already 8, so rows ⌊(13 − 8)/2⌋ = 2 … 9 are copied as they are.
        try Self.writeGrey(root, "tall.png", width: 8, height: 13) { y, _ in UInt8(y * 10) }
        let data = try ImageFolder.load(folder: root, resolution: 8, cache: nil).dataset
        #expect(data.sampleShape == [1, 8, 8])
        for y in 0..<8 {
            let expected = Float(UInt8((y + 2) * 10)) / 127.5 - 1
            #expect(data.values[(y * 8)..<(y * 8 + 8)].allSatisfy { $0.bitPattern == expected.bitPattern })
        }
        // 26 wide, 13 tall → 16 × 8 (the shorter side 8), then columns 4 … 11: a horizontal ramp's middle.
        try FileManager.default.removeItem(atPath: root + "/tall.png")
        try Self.writeGrey(root, "wide.png", width: 26, height: 13) { _, x in UInt8(x * 8) }
        let wide = try ImageFolder.load(folder: root, resolution: 8, cache: nil).dataset
        let row = Array(wide.values[0..<8]), mean = row.reduce(0, +) / 8
        #expect(abs(mean - (Float(12.5 * 8) / 127.5 - 1)) < 0.05, "the middle of the ramp (value ≈ 100), not an edge")
        #expect(zip(row, row.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func sizesAndResolutionsAreChecked() throws {
        let root = try Self.folder("sizes")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.writeGrey(root, "a.png", width: 16, height: 16) { _, _ in 0 }
        try Self.writeGrey(root, "b.png", width: 20, height: 16) { _, _ in 0 }
        do {
            _ = try ImageFolder.load(folder: root, resolution: nil, cache: nil)
            Issue.record("images of two sizes were accepted without a resolution")
        } catch let error as DataError {
            #expect(error.hint.contains("--resolution"))
        }
        #expect(try ImageFolder.load(folder: root, resolution: 12, cache: nil).dataset.sampleShape == [1, 12, 12])
        for bad in [30, 4, 68] {
            #expect(throws: DataError.self) { try ImageFolder.load(folder: root, resolution: bad, cache: nil) }
        }
        #expect(throws: DataError.self) { try ImageFolder.load(folder: root + "/missing", resolution: 16, cache: nil) }
    }

    // MARK: - Labels, metadata, splits

    @Test func classesComeFromSubFolders() throws {
        let root = try Self.folder("classes")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.writeRGB(root, "dogs/1.png", width: 8, height: 8, (0, 0, 255))
        try Self.writeRGB(root, "cats/2.png", width: 8, height: 8, (255, 0, 0))
        try Self.writeRGB(root, "cats/1.PNG", width: 8, height: 8, (255, 0, 0))
        try Self.write("ignored", root, "cats/readme.txt")
        try Self.write("ignored", root, "dogs/._1.png")
        let data = try ImageFolder.load(folder: root, resolution: nil, cache: nil)
        #expect(data.skipped.isEmpty && data.heldOut == nil)
        #expect(data.dataset.classNames == ["cats", "dogs"] && data.dataset.labels == [0, 0, 1])
        #expect(data.dataset.evaluator == "image-classifier")
        // An image outside the class folders: no classes.
        try Self.writeRGB(root, "loose.png", width: 8, height: 8, (0, 255, 0))
        let flat = try ImageFolder.load(folder: root, resolution: nil, cache: nil).dataset
        #expect(flat.classNames.isEmpty && flat.labels == [-1, -1, -1, -1])
    }

    @Test func jsonLinesMetadataGivesCaptionsAndLabels() throws {
        let root = try Self.folder("jsonl")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["x/one.png", "two.png", "unlisted.png"] { try Self.writeGrey(root, name, width: 8, height: 8) { _, _ in 9 } }
        let lines = [#"{"file_name": "x/one.png", "text": "first", "label": "zebra"}"#, "",
                     #"{"file_name": "./two.png", "text": "second, with a comma", "label": "ant"}"#]
        try Self.write(lines.joined(separator: "\n") + "\n", root, "metadata.jsonl")
        let data = try ImageFolder.load(folder: root, resolution: nil, cache: nil).dataset
        #expect(data.count == 2, "unlisted images are ignored")
        #expect(data.classNames == ["ant", "zebra"] && data.labels == [0, 1])
        #expect(data.captions! == [["second, with a comma"], ["first"]])

        try Self.write(lines.joined(separator: "\n") + "\n" + #"{"file_name": "gone.png", "text": "x", "label": "ant"}"#, root, "metadata.jsonl")
        do {
            _ = try ImageFolder.load(folder: root, resolution: nil, cache: nil)
            Issue.record("a row naming a missing image was accepted")
        } catch let error as DataError {
            #expect(error.location.hasSuffix("metadata.jsonl, line 4") && error.what.contains("gone.png"))
        }
        try Self.write(#"{"file_name": "two.png", "text": ""}"# + "\n", root, "metadata.jsonl")
        #expect(throws: DataError.self) { try ImageFolder.load(folder: root, resolution: nil, cache: nil) }
    }

    @Test func csvMetadataWithQuotedFields() throws {
        let root = try Self.folder("csv")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["a.png", "b.png"] { try Self.writeGrey(root, name, width: 8, height: 8) { _, _ in 200 } }
        try Self.write("file_name,text,label\r\na.png,\"a red, round thing\",1\r\nb.png,\"she said \"\"hi\"\"\",0\r\n", root, "metadata.csv")
        let data = try ImageFolder.load(folder: root, resolution: nil, cache: nil).dataset
        #expect(data.count == 2 && data.classNames == ["0", "1"] && data.labels == [1, 0])
        #expect(data.captions! == [["a red, round thing"], ["she said \"hi\""]])
    }

    @Test func trainAndTestFolders() throws {
        let root = try Self.folder("splits")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, value) in [("train/cat/1.png", 10), ("train/cat/2.png", 20), ("train/dog/1.png", 30), ("test/dog/9.png", 40),
                              ("test/cat/9.png", 50)] as [(String, UInt8)] {
            try Self.writeGrey(root, name, width: 8, height: 8) { _, _ in value }
        }
        let loaded = try ImageFolder.load(folder: root, resolution: 8, cache: nil)
        #expect(loaded.dataset.count == 3 && loaded.dataset.labels == [0, 0, 1] && loaded.dataset.classNames == ["cat", "dog"])
        let heldOut = try #require(loaded.heldOut)
        #expect(heldOut.count == 2 && heldOut.labels == [0, 1] && heldOut.classNames == ["cat", "dog"])
        #expect(heldOut.values[0] == Float(50) / 127.5 - 1)
    }

    // MARK: - Cache

    @Test func cacheHitEqualsFreshLoadAndCorruptCacheIsIgnored() throws {
        let root = try Self.folder("cached")
        let cache = URL(fileURLWithPath: try Self.folder("cache")).appendingPathComponent("nested")
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(at: cache.deletingLastPathComponent())
        }
        try Files.writePNG(Self.gradient(width: 20, height: 12), width: 20, height: 12, channels: 3, to: Self.place(root, "train/a/x.png"))
        try Self.writeGrey(root, "train/b/y.png", width: 12, height: 12) { y, x in UInt8(y * 12 + x) }
        try Self.writeGrey(root, "validation/b/z.png", width: 12, height: 12) { _, _ in 1 }
        try Data().write(to: URL(fileURLWithPath: root + "/train/a/empty.png"))
        try Self.write(#"{"file_name": "a/x.png", "text": "an x"}"# + "\n" + #"{"file_name": "b/y.png", "text": "a y"}"# + "\n"
                       + #"{"file_name": "a/empty.png", "text": "nothing"}"# + "\n", root, "train/metadata.jsonl")
        try Self.write(#"{"file_name": "b/z.png", "text": "a z"}"# + "\n", root, "validation/metadata.jsonl")

        let fresh = try ImageFolder.load(folder: root, resolution: 12, cache: cache)
        #expect(fresh.cache == .written && fresh.skipped.map(\.path) == ["train/a/empty.png"])
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".safetensors") }
        #expect(files.count == 1)
        let hit = try ImageFolder.load(folder: root, resolution: 12, cache: cache)
        #expect(hit.cache == .hit)
        func same(_ a: LabeledDataset?, _ b: LabeledDataset?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return a.name == b.name && a.values.map(\.bitPattern) == b.values.map(\.bitPattern) && a.labels == b.labels
                && a.sampleShape == b.sampleShape && a.classNames == b.classNames && a.captions == b.captions
                && a.evaluator == b.evaluator && a.architecture == b.architecture && a.imageSize! == b.imageSize!
        }
        #expect(same(fresh.dataset, hit.dataset) && same(fresh.heldOut, hit.heldOut) && fresh.skipped == hit.skipped)
        #expect(fresh.dataset.classNames == ["a", "b"] && fresh.dataset.captions! == [["an x"], ["a y"]] && fresh.heldOut?.labels == [1])

        // Another resolution is another cache file.
        #expect(try ImageFolder.load(folder: root, resolution: 8, cache: cache).cache == .written)
        // A corrupt cache file is decoded again and rewritten.
        try Data("garbage".utf8).write(to: cache.appendingPathComponent(files[0]))
        let again = try ImageFolder.load(folder: root, resolution: 12, cache: cache)
        #expect(again.cache == .written && same(again.dataset, fresh.dataset) && same(again.heldOut, fresh.heldOut))
        #expect(try ImageFolder.load(folder: root, resolution: 12, cache: cache).cache == .hit)
        // Changed pixels change the key.
        try Self.writeGrey(root, "train/b/y.png", width: 12, height: 12) { _, _ in 7 }
        let changed = try ImageFolder.load(folder: root, resolution: 12, cache: cache)
        #expect(changed.cache == .written && changed.dataset.values != fresh.dataset.values)
    }
}
