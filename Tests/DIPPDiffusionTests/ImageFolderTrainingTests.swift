import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPRuns
import DIPPTensor
import DIPPText
import DiffInstruct
import Foundation
import Testing

/// Image folders end to end: Fashion-MNIST written out as an `imagefolder` reads back as the
/// built-in loader's tensors, a captioned JPEG folder trains a text-conditioned teacher, and
/// `dipp sample --save`'s latents recompute its samples.
@Suite struct ImageFolderTrainingTests {
    static let fashionInstalled = FileManager.default.fileExists(atPath: FashionMNIST.defaultFolder + "/train-images-idx3-ubyte.gz")
    static let miniLMInstalled = FileManager.default.fileExists(atPath: MiniLM.defaultFolder.appendingPathComponent("model.safetensors").path)

    static func temporary(_ name: String) -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("dipp-\(name)-\(UUID())") }

    /// The first `perClass` images of each class of the built-in training split.
    static func fashionSubset(perClass: Int) throws -> LabeledDataset {
        let all = try FashionMNIST.load(train: true)
        var taken = [Int: Int]()
        return all.subset((0..<all.count).filter { i in taken[all.labels[i], default: 0] += 1; return taken[all.labels[i]]! <= perClass })
    }

    /// Labels from the `NN-name` class folders, images in data order within each: the values
    /// and labels are bitwise the built-in loader's.
    @Test(.enabled(if: fashionInstalled, "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
    func fashionMNISTAsPNGFolderLoadsToTheBuiltInTensors() throws {
        let subset = try Self.fashionSubset(perClass: 30), folder = Self.temporary("fashion-png")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ImageFolderWriter.write(subset, to: folder.path, format: .png)
        let loaded = try ImageFolder.load(folder: folder.path, resolution: nil, cache: nil)
        #expect(loaded.skipped.isEmpty)
        let data = loaded.dataset
        let order = (0..<subset.count).sorted { (subset.labels[$0], $0) < (subset.labels[$1], $1) }   // class folders, then file order
        let expected = subset.subset(order)
        #expect(data.sampleShape == [1, 28, 28] && data.count == 300)
        #expect(data.labels == expected.labels)
        #expect(data.values == expected.values, "the PNG round trip changed some pixel")
        #expect(data.classNames.count == 10 && data.classNames[0] == "0-T-shirt-top")
        #expect(data.architecture == "unet2d")
    }

    /// JPEG + `metadata.jsonl` with captions and labels: captions reach the teacher through the
    /// text encoder (a text-conditioned `unet`).
    @Test(.enabled(if: fashionInstalled && miniLMInstalled, "needs Fashion-MNIST and the MiniLM files (bash .ci/install-dependencies)"))
    func captionedJPEGFolderTrainsATextConditionedTeacher() throws {
        let subset = try Self.fashionSubset(perClass: 4), folder = Self.temporary("fashion-jpeg"), run = Self.temporary("text-teacher")
        defer { for u in [folder, run] { try? FileManager.default.removeItem(at: u) } }
        try ImageFolderWriter.write(subset, to: folder.path, format: .jpeg, captions: true)
        let loaded = try ImageFolder.load(folder: folder.path, resolution: 16, cache: nil)
        #expect(loaded.dataset.captions?.first?.first == "T-shirt/top" && loaded.dataset.sampleShape == [1, 16, 16])
        var t = TeacherTrainingConfiguration()
        (t.data, t.resolution, t.channels, t.steps, t.batchSize, t.checkpointEvery) = ("images:" + folder.path, 16, [8, 16, 16], 2, 8, 2)
        let trainer = try TeacherTrainer(configuration: t, folder: run)
        #expect(trainer.model.configuration.architecture == "unet" && trainer.model.configuration.textDimension == 384)
        _ = try trainer.run(progress: false)
    }
}

extension ImageFolderTrainingTests {
    /// `horizontalFlip` mirrors about half of a batch, each image exactly left–right, the same
    /// images for the same (seed, step).
    @Test func horizontalFlipMirrorsAboutHalfTheImages() throws {
        let (n, c, h, w) = (200, 2, 3, 5)
        let batch = Tensor(shape: [n, c, h, w], storage: (0..<(n * c * h * w)).map(Float.init))
        let flipped = TeacherTrainer.mirrored(batch, seed: 3, step: 7)
        #expect(flipped.storage == TeacherTrainer.mirrored(batch, seed: 3, step: 7).storage)
        var mirroredCount = 0
        for i in 0..<n {
            let original = Array(batch.storage[(i * c * h * w)..<((i + 1) * c * h * w)])
            let got = Array(flipped.storage[(i * c * h * w)..<((i + 1) * c * h * w)])
            let mirror = (0..<(c * h)).flatMap { row in original[(row * w)..<((row + 1) * w)].reversed() }
            #expect(got == original || got == mirror, "image \(i) is neither itself nor its mirror")
            if got == mirror { mirroredCount += 1 }
        }
        #expect(mirroredCount > 70 && mirroredCount < 130, "\(mirroredCount) of \(n) mirrored")
        #expect(TeacherTrainer.mirrored(batch, seed: 3, step: 8).storage != flipped.storage)
    }
}
