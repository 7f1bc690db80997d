import DIPPComponents
import DIPPData
import DIPPTensor
import Foundation

extension GaussianMixture2D: ComponentRegistration {
    public static func register(in components: Components) {
        components.dataSets.register("gmm2d", summary: "20 000 points of the DI++ toy: 8 Gaussians on a circle, one class each") { context in
            var rng = RandomStream(seed: context.seed, .gaussianMixtureData)
            return GaussianMixture2D().sample(20_000, rng: &rng)
        }
    }
}

extension Digits: ComponentRegistration {
    public static func register(in components: Components) {
        components.dataSets.register("digits", summary: "the bundled 8x8 digits (1 797 images, 10 classes), as 64-vectors in [−1, 1]") { context in
            try Digits.load(from: context.file.map { URL(fileURLWithPath: $0) })
        }
    }
}

extension DigitCaptions: ComponentRegistration {
    public static func register(in components: Components) {
        components.dataSets.register("digits-text", summary: "the 8x8 digits with captions from a grammar (\"a bold 7\", \"number seven\", …)") { context in
            let digits = try Digits.load(from: context.file.map { URL(fileURLWithPath: $0) })
            return LabeledDataset(name: "digits-text", values: digits.values, labels: digits.labels, sampleShape: digits.sampleShape,
                                  imageSize: digits.imageSize, classNames: digits.classNames, captions: DigitCaptions.captions(for: digits))
        }
    }
}

extension Shapes3D: ComponentRegistration {
    public static func register(in components: Components) {
        components.dataSets.register("shapes3d", summary: "renders [3, 16, 16] of 6 shapes × 4 colours (20 pairs; 4 held out) from recorded cameras, captioned") { context in
            Shapes3D.dataSet(views: 400, seed: context.seed)
        }
    }
}

extension FashionMNIST: ComponentRegistration {
    public static func register(in components: Components) {
        components.dataSets.register("fashion-mnist", summary: "Fashion-MNIST training images [1, 28, 28] (Debian's dataset-fashion-mnist)") { context in
            try FashionMNIST.load(folder: context.file ?? FashionMNIST.defaultFolder, train: true)
        }
    }
}

extension ImageFolder: ComponentRegistration {
    /// DIPP's cache, `${XDG_CACHE_HOME:-~/.cache}/dipp`: decoded image folders, the
    /// classifiers of imported teachers' data.
    public static var cacheBase: URL {
        (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")).appendingPathComponent("dipp")
    }

    /// Where decoded folders are cached: `cacheBase/image-folders` (`DIPP_IMAGE_CACHE` overrides
    /// it; `off` turns the cache off).
    public static var cacheFolder: URL? {
        if let chosen = ProcessInfo.processInfo.environment["DIPP_IMAGE_CACHE"] { return chosen == "off" ? nil : URL(fileURLWithPath: chosen) }
        return cacheBase.appendingPathComponent("image-folders")
    }

    public static func register(in components: Components) {
        components.dataSets.registerResolver(pattern: "images:DIR", summary: "a folder of PNG/JPEG images (Hugging Face imagefolder: class sub-folders or metadata.jsonl/csv with file_name, text, label)",
                                             matches: { $0.hasPrefix("images:") }) { spec, context, _ in
            let folder = String(spec.name.dropFirst("images:".count))
            let loaded = try ImageFolder.load(folder: folder, resolution: context.resolution, channels: context.imageChannels, cache: cacheFolder)
            for skipped in loaded.skipped {
                FileHandle.standardError.write(Data("skipped \(folder)/\(skipped.path): \(skipped.reason)\n".utf8))
            }
            guard let heldOut = loaded.heldOut else { return loaded.dataset }
            return LabeledDataset.joined(train: loaded.dataset, heldOut: heldOut)
        }
    }
}
