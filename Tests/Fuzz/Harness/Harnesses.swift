import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import Foundation

/// One fuzz harness per parser of outside input. Each takes arbitrary bytes and must return —
/// a thrown error is the right answer to bad input; a trap, a sanitizer report, a leak or a
/// hang is a bug. The same functions replay the corpora in CI (`dipp-fuzz replay`).
enum Harnesses {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "safetensors": safetensors, "configuration": configuration, "manifest": manifest, "ffi-signature": ffiSignature,
        "idx": idx, "csv": csv, "png": png, "gzip": gzip, "flags": flags, "image": image, "image-metadata": imageMetadata,
    ]

    /// The safetensors reader (checkpoints, `--save` files, weights).
    static func safetensors(_ bytes: [UInt8]) {
        _ = try? SafeTensors.decode(Data(bytes), source: "fuzz")
    }

    static let components = Components.standard().withPlugins()

    /// Configuration files of every command, then every component they name, as a run checks them.
    static func configuration(_ bytes: [UInt8]) {
        let data = Data(bytes)
        if let c = try? ConfigurationFile.decode(data, over: RunConfiguration(), source: "fuzz") {
            _ = try? components.generators.normalized(c.generator, path: "generator")
            _ = try? components.divergences.normalized(c.divergence, path: "divergence")
            _ = try? components.rewards.normalized(c.reward, path: "reward")
            _ = try? components.guidance.normalized(c.guidance, path: "guidance")
            _ = try? components.assistantObjectives.normalized(c.assistantObjective, path: "assistantObjective")
            for step in [0, 1, 1000] { _ = (c.algorithm.rewardScale.value(at: step), c.algorithm.generatorLearningRate.value(at: step)) }
        }
        _ = try? ConfigurationFile.decode(data, over: TeacherTrainingConfiguration(), source: "fuzz")
        _ = try? ConfigurationFile.decode(data, over: DenoiserConfiguration(), source: "fuzz")
        if let spec = try? JSONDecoder().decode(ComponentSpec.self, from: data) {
            _ = try? components.samplers.make(spec, context: SamplerContext(), path: "sampler")
        }
    }

    /// `dipp-plugin.json` manifests.
    static func manifest(_ bytes: [UInt8]) {
        _ = try? PluginManifest.decode(Data(bytes), source: "fuzz")
    }

    /// `--reward ffi:PATH:DECLARATION[;grad=DECLARATION]` (parsed, never loaded).
    static func ffiSignature(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let (_, score, gradient) = try? ForeignFunctionReward.split(spec: text) {
            _ = try? ForeignFunctionReward.parse(score, gradient: false)
            if let gradient { _ = try? ForeignFunctionReward.parse(gradient, gradient: true) }
        }
        _ = try? ForeignFunctionReward.parse(text, gradient: bytes.first.map { $0 & 1 == 1 } ?? false)
    }

    /// Fashion-MNIST's IDX files: the first byte picks where the image file ends.
    static func idx(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let rest = Array(bytes.dropFirst()), cut = min(Int(first) * 4, rest.count)
        _ = try? FashionMNIST.parse(images: Array(rest[..<cut]), labels: Array(rest[cut...]), imagesSource: "fuzz", labelsSource: "fuzz")
    }

    /// The digits CSV.
    static func csv(_ bytes: [UInt8]) {
        _ = try? Digits.parse(bytes, source: "fuzz")
    }

    /// PNG input through libpng (grey and RGB).
    static func png(_ bytes: [UInt8]) {
        withTemporaryFile(bytes) { path in
            _ = try? Files.readPNG(path, channels: 1)
            _ = try? Files.readPNG(path, channels: 3)
        }
    }

    /// PNG or JPEG input through `Files.readImage` (libpng, libjpeg-turbo), as image folders read it.
    static func image(_ bytes: [UInt8]) {
        withTemporaryFile(bytes) { path in _ = try? Files.readImage(path) }
    }

    /// An image folder's `metadata.jsonl` and `metadata.csv` (beside one valid 8×8 PNG).
    static func imageMetadata(_ bytes: [UInt8]) {
        let folder = NSTemporaryDirectory() + "dipp-fuzz-folder-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: folder + "/a.png") {
            try? Files.writePNG([UInt8](repeating: 128, count: 64), width: 8, height: 8, channels: 1, to: folder + "/a.png")
        }
        for name in ["metadata.jsonl", "metadata.csv"] {
            _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(bytes))
            _ = try? ImageFolder.load(folder: folder, resolution: nil, cache: nil)
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    /// gzip input through zlib.
    static func gzip(_ bytes: [UInt8]) {
        withTemporaryFile(bytes) { path in _ = try? Files.readGzip(path) }
    }

    /// Command-line values parsed by DIPP itself: plugin hyper-parameters and sampler objects.
    static func flags(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? PluginHyperparameter.settings(text.split(separator: "\n").map(String.init))
        _ = try? JSONDecoder().decode(ScheduledScalar.self, from: Data(bytes))
    }

    static let scratch = "/dev/shm/dipp-fuzz-\(getpid())"

    static func withTemporaryFile(_ bytes: [UInt8], _ body: (String) -> Void) {
        let path = FileManager.default.fileExists(atPath: "/dev/shm") ? scratch : NSTemporaryDirectory() + "dipp-fuzz-\(getpid())"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        body(path)
    }
}
