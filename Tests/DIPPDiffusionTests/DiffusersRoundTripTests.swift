import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// A generator distilled from a diffusers teacher goes back to PyTorch: `dipp export` writes it
/// as a diffusers folder and `Scripts/sample_exported.py` (torch + diffusers) draws, from the
/// latents `dipp sample --save` stored, the samples DIPP drew. Runs where a Python with torch
/// and diffusers is found (`DIPP_DIFFUSERS_PYTHON`, else `python3`); skipped elsewhere (CI has
/// no torch), which the test list reports.
@Suite struct DiffusersRoundTripTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The first interpreter that imports torch and diffusers.
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["DIPP_DIFFUSERS_PYTHON"], "python3"].compactMap { $0 }
        return candidates.first { (try? run($0, ["-c", "import torch, diffusers"]))?.status == 0 }
    }()

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [executable] + arguments
        let pipe = Pipe()
        (p.standardOutput, p.standardError) = (pipe, pipe)
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, output)
    }

    static func temporary(_ name: String) -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("dipp-\(name)-\(UUID())") }

    /// ‖a − b‖/‖a‖ over the `samples` of two files.
    static func relativeDifference(_ a: URL, _ b: URL) throws -> Double {
        let x = try SafeTensors.read(contentsOf: a).tensor("samples").storage, y = try SafeTensors.read(contentsOf: b).tensor("samples").storage
        #expect(x.count == y.count && !x.isEmpty)
        let d = zip(x, y).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        return d / x.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
    }

    /// Exports `runFolder`, samples it in DIPP with `--save`, re-draws from the saved latents in
    /// PyTorch: the samples agree within 1e-4.
    static func checkRoundTrip(_ runFolder: URL, python: String) throws {
        let exported = temporary("exported"), saved = temporary("samples.safetensors"), redrawn = temporary("redrawn.safetensors")
        defer { for u in [exported, saved, redrawn] { try? FileManager.default.removeItem(at: u) } }
        let finished = try AlignmentRun.finished(runFolder: runFolder)
        try DiffusersExport.writeGenerator(finished.generator, to: exported, source: runFolder.path)
        try SampleReport.sampleGenerator(runFolder: runFolder, perClass: 3, seed: 4, name: "round-trip", save: saved.path,
                                         out: temporary("report"), print: { _ in })
        let script = root.appendingPathComponent("Scripts/sample_exported.py").path
        let result = try run(python, [script, exported.path, "--latents", saved.path, "--save", redrawn.path])
        #expect(result.status == 0, "\(result.output)")
        let difference = try relativeDifference(saved, redrawn)
        #expect(difference <= 1e-4, "‖DIPP − PyTorch‖/‖DIPP‖ = \(difference)")
    }

    /// A discrete-VP teacher (the v-prediction, class-conditional fixture) distilled for a few
    /// steps, then exported.
    @Test(.enabled(if: python != nil, "no python3 with torch and diffusers (set DIPP_DIFFUSERS_PYTHON)"))
    func distilledFromADiffusersTeacher() throws {
        var c = RunConfiguration.distillDefaults
        c.teacher = "diffusers:" + Self.root.appendingPathComponent("Tests/Reference/diffusers/v-cosine-class-pipeline").path
        (c.algorithm.steps, c.algorithm.batchSize, c.reportPerClass) = (8, 8, 2)
        let folder = Self.temporary("distilled")
        defer { try? FileManager.default.removeItem(at: folder) }
        try AlignmentRun(configuration: c, folder: folder).run(progress: false)
        try Self.checkRoundTrip(folder, python: Self.python!)
    }
}

extension DiffusersRoundTripTests {
    /// An image folder → a DIPP `unet2d` teacher (EDM preconditioning) → a distilled generator,
    /// exported: the `edm` wrapper.
    @Test(.enabled(if: python != nil, "no python3 with torch and diffusers (set DIPP_DIFFUSERS_PYTHON)"))
    func distilledFromADIPPTeacherOfAnImageFolder() throws {
        let images = Self.temporary("images"), teacher = Self.temporary("teacher"), generator = Self.temporary("generator")
        defer { for u in [images, teacher, generator] { try? FileManager.default.removeItem(at: u) } }
        for i in 0..<16 {   // two classes of 8×8 grey gradients
            let pixels = (0..<64).map { p in UInt8((i % 2 == 0 ? p % 8 : p / 8) * 32 + i) }
            let path = images.appendingPathComponent("\(i % 2 == 0 ? "a-columns" : "b-rows")/\(i).png")
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Files.writePNG(pixels, width: 8, height: 8, channels: 1, to: path.path)
        }
        var t = TeacherTrainingConfiguration()
        (t.data, t.channels, t.steps, t.batchSize, t.checkpointEvery) = ("images:" + images.path, [8, 16, 16], 4, 8, 4)
        let trainer = try TeacherTrainer(configuration: t, folder: teacher)
        #expect(trainer.model.configuration.architecture == "unet2d")
        _ = try trainer.run(progress: false)
        var c = RunConfiguration.distillDefaults
        c.teacher = teacher.path
        (c.algorithm.steps, c.algorithm.batchSize, c.reportPerClass) = (4, 8, 2)
        try AlignmentRun(configuration: c, folder: generator).run(progress: false)
        try Self.checkRoundTrip(generator, python: Self.python!)
    }
}

extension DiffusersRoundTripTests {
    /// `dipp sample --save` stores the latents each sample came from: the generator applied to
    /// them gives the saved samples again, bit for bit (what the PyTorch script relies on).
    @Test func savedLatentsRecomputeTheSamples() throws {
        var c = RunConfiguration.distillDefaults
        c.teacher = "diffusers:" + Self.root.appendingPathComponent("Tests/Reference/diffusers/v-cosine-class-pipeline").path
        (c.algorithm.steps, c.algorithm.batchSize, c.reportPerClass) = (4, 8, 2)
        let folder = Self.temporary("latents"), saved = Self.temporary("latents.safetensors")
        defer { for u in [folder, saved] { try? FileManager.default.removeItem(at: u) } }
        try AlignmentRun(configuration: c, folder: folder).run(progress: false)
        try SampleReport.sampleGenerator(runFolder: folder, perClass: 3, seed: 9, name: "latents", save: saved.path, out: Self.temporary("report"), print: { _ in })
        let contents = try SafeTensors.read(contentsOf: saved)
        let (latents, samples) = (try contents.tensor("latents"), try contents.tensor("samples"))
        let labels = try contents.tensor("labels").storage.map { Int($0) }
        #expect(latents.shape == samples.shape && labels == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        let generator = try AlignmentRun.finished(runFolder: folder).generator
        let again = withoutGradients { generator(latents, conditions: Conditions(labels: labels)) }
        #expect(again.storage == samples.storage)
    }

    /// An imported class-conditional model has no ∅ row: CFG is refused, not mis-applied.
    @Test func guidanceOfAnImportedClassModelIsRefused() throws {
        var c = RunConfiguration.distillDefaults
        c.teacher = "diffusers:" + Self.root.appendingPathComponent("Tests/Reference/diffusers/v-cosine-class-pipeline").path
        c.algorithm.teacherGuidance = .constant(2)
        let error = try #require(throws: ConfigurationError.self) { try AlignmentRun(configuration: c, folder: Self.temporary("cfg")) }
        #expect("\(error)".contains("∅"))
    }
}

extension DiffusersRoundTripTests {
    /// Text-to-3D needs a camera-conditioned teacher; a UNet2DModel reads none.
    @Test func textTo3DRefusesAnImportedTeacher() throws {
        var c = RunConfiguration.distillDefaults
        c.teacher = "diffusers:" + Self.root.appendingPathComponent("Tests/Reference/diffusers/eps-linear-bare").path
        c.prompts = ["a red cube"]
        let error = try #require(throws: ConfigurationError.self) {
            try TextTo3D.prepare(c, folder: Self.temporary("t3d"), components: .standard())
        }
        #expect("\(error)".contains("reads no camera"))
    }
}
