import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// Generator plugins (`dipp.generator/1`): the C StyleGAN-like plugin through the host adapter,
/// the validator's generator checks, hyper-parameters, and distillation with the shared DI++
/// optimizer (θ owned by the host: Adam, EMA, checkpoints and resume as for built-ins).
@Suite(.serialized) struct GeneratorPluginTests {
    static func stylePath() throws -> String {
        try #require(PluginHostTests.builtPlugin("StyleGenerator"), "libStyleGenerator.so is built by `swift build`")
    }

    static func style(_ settings: [String: Double] = [:], seed: UInt64 = 1) throws -> PluginGenerator {
        try PluginGenerator(library: PluginLibrary(path: stylePath()), settings: settings, seed: seed)
    }

    @Test func styleGeneratorPassesTheValidator() throws {
        let report = try ValidatorTests.validate("StyleGenerator")
        #expect(report.passed, "\(report.failures)")
        #expect(Set(report.checks.map(\.name)).isSuperset(of: ["generator-table", "rejects-bad-arguments", "init-params", "finite-output",
                                                             "vjp", "deterministic", "thread-stress"]))
    }

    @Test func wrongGeneratorVJPFailsOnlyTheVJPCheck() throws {
        let report = try ValidatorTests.validate("BrokenGeneratorVJP")
        #expect(report.checks.filter { !$0.passed }.map(\.name) == ["vjp"], "\(report.failures)")
        #expect(report.abnormalEnd == nil)
    }

    @Test func hostAdapterVJPMatchesCentralDifferences() throws {
        let generator = try Self.style(["style_dim": 8, "width": 16])
        var rng = RandomStream(seed: 3)
        let z = Tensor.randomNormal([3, 16], using: &rng)
        let conditions = Conditions(labels: [4, Conditions.nullLabel, 9])
        let report = GradientCheck.check([generator.params, z], absoluteTolerance: 1e-2, relativeTolerance: 2e-2, elementsPerInput: 300) {
            generator(params: $0[0], $0[1], conditions: conditions)
        }
        #expect(report.passed, "\(report)")
        #expect(report.checked == 300 + 48)
    }

    @Test func hyperparametersShapeTheNetworkAndAreRangeChecked() throws {
        let (s, w) = (8, 16)
        let small = try Self.style(["style_dim": Double(s), "width": Double(w)])
        // E + mapping (M₁, m₁, M₂, m₂) + C₀ + two styled layers (A, a, W, b) + output (O, o).
        let expected = 11 * 16 + (s * 32 + s + s * s + s) + w + 2 * (w * s + w + w * w + w) + (64 * w + 64)
        #expect(small.params.count == expected)
        #expect(small.latentShape == [16] && small.sampleShape == [64] && small.classCount == 10)
        let (a, b, c) = (try Self.style(seed: 1), try Self.style(seed: 1), try Self.style(seed: 2))
        #expect(a.params.storage == b.params.storage && a.params.storage != c.params.storage)
        for bad in [["width": 1.0], ["depth": 3.0]] {
            #expect { try Self.style(bad) } throws: { ($0 as? PluginError)?.kind == .invalidHyperparameter }
        }
        // A label the plugin does not know reaches the NaN guard, with the plugin's message kept.
        let x = small(Tensor.zeros([1, 16]), conditions: Conditions(labels: [10]))
        #expect(x.storage.allSatisfy { $0.isNaN })
        #expect(small.lastError?.what.contains("label 10") == true, "\(String(describing: small.lastError))")
    }

    static func distill(steps: Int, folder: URL, checkpointEvery: Int = 100) throws -> AlignmentRun {
        var c = RunConfiguration()
        c.teacher = try RewardAlignment.teacher.get().path
        c.generator = ComponentSpec(try stylePath())
        c.reportPerClass = 20
        c.algorithm.steps = steps
        c.algorithm.batchSize = 128
        c.algorithm.checkpointEvery = checkpointEvery
        return try AlignmentRun(configuration: c, folder: folder, components: Components.standard().withPlugins())
    }

    @Test func distillingTheStyleGeneratorLearnsDigits() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-style-distill-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.distill(steps: 300, folder: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let initial = try AlignmentRun.evaluate(run.generator, train: run.train, heldOut: run.heldOut, perClass: 20, seed: 1, folder: folder,
                                                name: "initial", classifierFolder: run.classifierFolder)
        let final = try run.run(progress: false)
        let (before, after) = (try #require(initial.image), try #require(final.image))
        #expect(after.classAccuracy > 0.6 && after.classAccuracy > before.classAccuracy + 0.3, "accuracy \(before.classAccuracy) → \(after.classAccuracy)")
        #expect(after.frechetDistance < 0.5 * before.frechetDistance, "FD \(before.frechetDistance) → \(after.frechetDistance)")
    }

    @Test func interruptedPluginDistillationResumesExactly() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-style-resume-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let straight = try Self.distill(steps: 8, folder: root.appendingPathComponent("straight"), checkpointEvery: 4)
        try straight.run(progress: false)
        let interrupted = root.appendingPathComponent("interrupted")
        try Self.distill(steps: 4, folder: interrupted, checkpointEvery: 4).run(progress: false)
        let resumed = try Self.distill(steps: 8, folder: interrupted, checkpointEvery: 4)
        try resumed.run(progress: false)
        #expect(resumed.generator.parameters[0].storage == straight.generator.parameters[0].storage)
    }

    @Test func dippDistillAndSampleTakeAPluginGenerator() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-style-cli-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let dipp = try ValidatorTests.executable()
        func run(_ arguments: [String]) throws -> (status: Int32, output: String) { try TestSupport.run(dipp, arguments) }
        let teacher = try RewardAlignment.teacher.get().path
        let distill = try run(["distill", "--teacher", teacher, "--generator", Self.stylePath(), "--generator-hyperparameter", "width=32",
                               "--steps", "10", "--batch-size", "32", "--out", folder.path])
        #expect(distill.status == 0, "\(distill.output)")
        #expect(distill.output.contains("StyleGenerator") && distill.output.contains("class accuracy"), "\(distill.output)")
        let sample = try run(["sample", "--generator", folder.path, "--per-class", "5", "--name", "again"])
        #expect(sample.status == 0, "\(sample.output)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("samples-again.png").path))
        let wrong = try run(["distill", "--teacher", teacher, "--generator", Self.stylePath(), "--generator-hyperparameter", "width=0",
                             "--steps", "10", "--out", folder.path + "-bad"])
        #expect(wrong.status != 0 && wrong.output.contains("width"), "\(wrong.output)")
    }
}
