import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation
import Testing

/// Teacher pre-training end to end: the 2-D acceptance target, exact resume, strict configs.
@Suite(.serialized) struct TeacherTrainingTests {
    static func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("dipp-\(name)-\(UUID())")
    }

    /// The issue's 2-D target with a short schedule: an MLP teacher (3×128) trained for 600
    /// steps puts ≥ 95% of 18-step Heun samples within 3σ of their class's mode, every mode covered.
    @Test func gmm2dTeacherCoversEveryMode() throws {
        var c = TeacherTrainingConfiguration()
        c.data = "gmm2d"
        c.hidden = [128, 128, 128]
        c.steps = 600
        c.batchSize = 128
        c.emaHalfLifeSamples = 5000
        c.checkpointEvery = 600
        let folder = Self.folder("gmm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try TeacherTrainer(configuration: c, folder: folder)
        let teacher = try trainer.run(progress: false)
        let labels = ModelEvaluation.balancedLabels(classes: 8, perClass: 100)
        var rng = RandomStream(seed: 4)
        let samples = HeunSampler().sample(teacher, guidance: ClassifierFreeGuidance(), conditions: Conditions(labels: labels), rng: &rng)
        let report = PointCloudMetrics.evaluate(samples: samples.storage, labels: labels, mixture: GaussianMixture2D(),
                                                reference: Array(trainer.heldOut.values.prefix(2000)))
        #expect(report.fractionNearOwnMode >= 0.95, "\(report)")
        #expect(report.everyModeCovered, "\(report)")
        // The run folder holds what `dipp sample` needs.
        let reloaded = try EDMDenoiser.load(runFolder: folder)
        #expect(zip(reloaded.parameters, teacher.parameters).allSatisfy { $0.storage == $1.storage })
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        var c = TeacherTrainingConfiguration()
        c.data = "gmm2d"
        c.hidden = [16, 16]
        c.batchSize = 32
        c.steps = 30
        c.checkpointEvery = 10
        let straight = Self.folder("straight"), resumed = Self.folder("resumed")
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: resumed) }
        let a = try TeacherTrainer(configuration: c, folder: straight).run(progress: false)
        var first = c
        first.steps = 20
        _ = try TeacherTrainer(configuration: first, folder: resumed).run(progress: false)
        let b = try TeacherTrainer(configuration: c, folder: resumed).run(progress: false)
        #expect(zip(a.parameters, b.parameters).allSatisfy { $0.storage == $1.storage }, "resume must be exact")
        var other = c
        other.learningRate = 0.5
        #expect(throws: ConfigurationError.self) { try TeacherTrainer(configuration: other, folder: resumed) }
    }

    @Test func configurationFilesAreStrict() throws {
        let ok = try ConfigurationFile.decode(Data(#"{"data": "gmm2d", "steps": 7}"#.utf8), over: TeacherTrainingConfiguration(), source: "c.json")
        #expect(ok.data == "gmm2d" && ok.steps == 7 && ok.batchSize == TeacherTrainingConfiguration().batchSize)
        do {
            _ = try ConfigurationFile.decode(Data(#"{"stpes": 7}"#.utf8), over: TeacherTrainingConfiguration(), source: "c.json")
            Issue.record("an unknown key was accepted")
        } catch let error as ConfigurationError {
            #expect(error.location == "c.json, key 'stpes'" && error.hint.contains("steps"))
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationFile.decode(Data(#"{"steps": "many"}"#.utf8), over: TeacherTrainingConfiguration(), source: "c.json")
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationFile.decode(Data("[1]".utf8), over: TeacherTrainingConfiguration(), source: "c.json")
        }
    }
}

/// The teacher trainer refuses what it cannot use before training, reports a diverging loss as
/// a training error, and never reads corrupt checkpoint metadata as 0.
@Suite struct TeacherTrainerErrorTests {
    static func configuration() -> TeacherTrainingConfiguration {
        var c = TeacherTrainingConfiguration()
        c.data = "gmm2d"
        c.hidden = [16]
        c.steps = 2
        c.batchSize = 16
        c.checkpointEvery = 2
        return c
    }

    static func folder() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("dipp-teacher-errors-\(UUID())") }

    @Test func anArchitectureTypoIsRefusedAtOnce() throws {
        var c = Self.configuration()
        c.architecture = "unets"
        do {
            _ = try TeacherTrainer(configuration: c, folder: Self.folder())
            Issue.record("an unknown architecture was accepted")
        } catch let error as ConfigurationError {
            #expect(error.location.contains("architecture") && error.hint.contains("unet"), "\(error)")
        }
    }

    /// Values no network or optimizer can take are refused before any training, naming their key
    /// (each reached a precondition, a trap or a failed allocation before).
    @Test(arguments: ["hidden", "noiseFeatures", "architecture", "batchSize", "labelDropout", "beta1", "sigmaData"])
    func outOfRangeValuesAreRefusedNamingTheKey(_ key: String) throws {
        var c = Self.configuration()
        switch key {
        case "hidden": c.hidden = [16, 0]
        case "noiseFeatures": c.noiseFeatures = 7
        case "architecture": c.architecture = "unet"   // 2-vectors are no [C, H, W] images
        case "batchSize": c.batchSize = 1 << 50
        case "labelDropout": c.labelDropout = 2
        case "beta1": c.beta1 = 1
        default: c.sigmaData = -1
        }
        #expect {
            _ = try TeacherTrainer(configuration: c, folder: Self.folder())
        } throws: { error in
            ((error as? ConfigurationError)?.location.contains("'\(key)'") ?? false)
        }
    }

    /// A U-Net's widths: the first must split into its output normalisation's groups.
    @Test func uNetWidthsAreChecked() throws {
        var network = DenoiserConfiguration(architecture: "unet", sampleShape: [1, 8, 8], classCount: 10, channels: [12, 16, 16])
        #expect(throws: ConfigurationError.self) { try network.validate() }
        network.channels = [16, 16]
        #expect(throws: ConfigurationError.self) { try network.validate() }
        network.channels = [8, 16, 16]
        try network.validate()
        network.sampleShape = [1, 6, 6]
        #expect(throws: ConfigurationError.self) { try network.validate() }
    }

    @Test func aDivergingLossIsATrainingError() throws {
        var c = Self.configuration()
        c.learningRate = 1e30
        c.steps = 20
        c.checkpointEvery = 20
        do {
            try TeacherTrainer(configuration: c, folder: Self.folder()).run(progress: false)
            Issue.record("a diverging run finished")
        } catch let error as NonFiniteValueError {
            #expect(error.location.hasPrefix("pretrain step "), "\(error)")
        }
    }

    @Test func corruptCheckpointMetadataIsAnError() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try TeacherTrainer(configuration: Self.configuration(), folder: folder).run(progress: false)
        let checkpoint = CheckpointStore(folder: folder).url(step: 2)
        let contents = try SafeTensors.read(contentsOf: checkpoint)
        try SafeTensors.write(contents.tensors, metadata: contents.metadata.merging(["cursor": "twelve"]) { $1 }, to: checkpoint)
        var longer = Self.configuration()
        longer.steps = 4
        do {
            try TeacherTrainer(configuration: longer, folder: folder).run(progress: false)
            Issue.record("corrupt metadata was accepted")
        } catch let error as ConfigurationError {
            #expect(error.location.contains("cursor") && error.what.contains("twelve"), "\(error)")
        }
    }
}
