import DIPPData
import DIPPDiffusion
import DIPPLabel
import DIPPNN
import DIPPRuns
import DIPPTensor
import DIPPTestSupport
import DiffInstruct
import Foundation
import Testing

/// The loop "sample → label → train reward → align" on a small digits teacher: the labelling
/// routes, the simulated annotator, `rm:RUN` in DI++ and the reward statistics it logs.
@Suite struct PreferenceLoopTests {
    /// The shared digits teacher (``TestTeachers/digits()``) and a 30-step one-step generator
    /// from it, made once per process.
    static let runs: Result<(teacher: URL, generator: URL), Error> = Result {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-preference-runs-\(UUID())")
        let teacher = try TestTeachers.digits()
        var c = RunConfiguration.distillDefaults
        c.teacher = teacher.path
        c.algorithm.steps = 30
        c.algorithm.batchSize = 128
        c.reportPerClass = 10
        let generator = root.appendingPathComponent("generator")
        _ = try AlignmentRun(configuration: c, folder: generator).run(progress: false)
        return (teacher, generator)
    }

    func temporary(_ name: String) -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("dipp-\(name)-\(UUID())") }

    @Test func hiddenUtilitiesMeasureWhatTheySay() {
        let blank = [Float](repeating: -1, count: 64), full = [Float](repeating: 1, count: 64)
        #expect(HiddenUtility.strokeMass.value(blank[...], shape: [64]) == 0)
        #expect(HiddenUtility.strokeMass.value(full[...], shape: [64]) == 1)
        #expect(HiddenUtility.strokeMass.value([Float](repeating: 3, count: 64)[...], shape: [64]) == 1, "ink is clipped to [0, 1]")
        #expect(HiddenUtility.crispness.value([Float](repeating: 0, count: 64)[...], shape: [64]) == 0)
        #expect(HiddenUtility.crispness.value(blank[...], shape: [64]) == 1)
        func bar(_ column: (Int) -> Int) -> [Float] {
            (0..<64).map { i in i % 8 == column(i / 8) ? 1 : -1 }
        }
        let upright = bar { _ in 3 }, slanted = bar { $0 }
        #expect(abs(HiddenUtility.uprightness.value(upright[...], shape: [1, 8, 8])) < 1e-4)
        #expect(HiddenUtility.uprightness.value(slanted[...], shape: [1, 8, 8]) < -0.9)
        #expect(abs(HiddenUtility.centring.value(slanted[...], shape: [64])) < 1e-4, "the diagonal's centroid is the centre")
        #expect(abs(HiddenUtility.centring.value(upright[...], shape: [64]) + 0.5) < 1e-4, "column 3 is half a pixel left of 3.5")
    }

    @Test func simulatedPairsTrainARewardThatDIPPRaises() throws {
        let (teacher, generator) = try Self.runs.get()
        let source = try PairSource(runFolder: generator)
        let pairs = SimulatedAnnotator.pairs(from: source, annotator: SimulatedAnnotator(utility: .strokeMass, noise: 0.5), count: 400, seed: 1)
        #expect(pairs.count == 400 && pairs.allSatisfy { $0.shape == [64] && (0..<10).contains($0.label ?? -1) })
        let agreement = SimulatedAnnotator.utilityAccuracy(.strokeMass, pairs: pairs)
        #expect(agreement > 0.7 && agreement < 0.95, "BT noise at τ = 0.5 sd: \(agreement)")
        let folder = temporary("preference-loop")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("pairs.jsonl")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for pair in pairs { try PreferencePairs.append(pair, to: file) }
        let (_, report) = try RewardRun.train(pairsFile: file, folder: folder.appendingPathComponent("reward"), log: { _ in })
        #expect(report.heldOutAccuracy > 0.6, "\(report.heldOutAccuracy)")
        for name in ["reward.safetensors", "reward.json", "report.json", "report.md", "loss-curve.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("reward/\(name)").path), "\(name)")
        }

        var c = RunConfiguration.alignDefaults
        c.teacher = teacher.path
        c.reward = ComponentSpec("rm:" + folder.appendingPathComponent("reward").path)
        c.algorithm.steps = 40
        c.algorithm.batchSize = 128
        c.algorithm.generatorLearningRate = 1e-4
        c.reportPerClass = 20
        let aligned = folder.appendingPathComponent("aligned")
        let result = try AlignmentRun(configuration: c, folder: aligned, initialWeights: generator.appendingPathComponent("generator.safetensors"))
            .run(progress: false)
        let (before, after) = (try #require(result.initialMeanReward), try #require(result.meanReward))
        #expect(after > before, "learned reward \(before) → \(after)")
        let log = try String(contentsOf: aligned.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        let first = try #require(log.split(separator: "\n").first.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        let std = try #require(first["reward_std"] as? Double)
        #expect(std > 0 && first["reward_mean"] != nil)
    }

    @Test func aRewardForOtherDataIsRefused() throws {
        let (teacher, _) = try Self.runs.get()
        var rc = LearnedRewardConfiguration(sampleShape: [2], conditioning: .none)
        rc.network.hidden = [4]
        var rng = RandomStream(seed: 0)
        let folder = temporary("reward-2d")
        defer { try? FileManager.default.removeItem(at: folder) }
        try LearnedReward(rc, rng: &rng).save(to: folder)
        var c = RunConfiguration.alignDefaults
        c.teacher = teacher.path
        c.reward = ComponentSpec("rm:" + folder.path)
        let error = try #require(throws: ConfigurationError.self) { try AlignmentRun(configuration: c, folder: temporary("refused")) }
        #expect(error.what.contains("learned on samples of shape [2], the data's are [64]"), "\(error)")
    }

    @Test func labelRoutesServeThePageAndRecordEachChoiceOnce() throws {
        let (_, generator) = try Self.runs.get()
        let file = temporary("label").appendingPathExtension("jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let session = try LabelSession(runFolder: generator, pairsFile: file, seed: 0)
        func ask(_ method: String, _ path: String, _ body: String = "") -> LabelRoutes.Response {
            LabelRoutes.respond(method: method, rawPath: path, body: Data(body.utf8), session: session)
        }
        func json(_ r: LabelRoutes.Response) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
        }
        let page = ask("GET", "/")
        #expect(page.status == 200 && page.contentType.hasPrefix("text/html") && String(decoding: page.body, as: UTF8.self).contains("/api/choice"))
        let shown = try json(ask("GET", "/api/pair"))
        let id = try #require(shown["id"] as? String)
        #expect((shown["left"] as? String)?.hasPrefix("data:image/png;base64,") == true && shown["recorded"] as? Int == 0)
        #expect(ask("POST", "/api/choice", #"{"id": "\#(id)", "choice": "left"}"#).status == 200)
        #expect(try PreferencePairs.read(file).map(\.choice) == [.left])
        #expect(ask("POST", "/api/choice", #"{"id": "\#(id)", "choice": "right"}"#).status == 409, "a pair is judged once")
        let skipped = try #require(try json(ask("GET", "/api/pair"))["id"] as? String)
        #expect(try json(ask("POST", "/api/choice", #"{"id": "\#(skipped)", "choice": "skip"}"#))["skipped"] as? Int == 1)
        #expect(PreferencePairs.count(file) == 1)
        #expect(ask("POST", "/api/choice", #"{"id": "p99", "choice": "sideways"}"#).status == 400)
        #expect(ask("POST", "/api/choice", "{").status == 400)
        #expect(ask("POST", "/api/choice", String(repeating: " ", count: 5000)).status == 413)
        for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/..%2f..%2fetc/passwd", "/%2E%2E/x"] {
            #expect(ask("GET", path).status == 400, "\(path)")
        }
        #expect(ask("GET", "/etc/passwd").status == 404)
        #expect(ask("GET", "/api/choice").status == 405 && ask("POST", "/api/pair").status == 405)
        #expect(ask("GET", "/api/pair?x=1").status == 200, "a query string is ignored")
        let progress = try json(ask("GET", "/api/progress"))
        #expect(progress["recorded"] as? Int == 1 && progress["skipped"] as? Int == 1 && progress["pairsFile"] as? String == file.path)
        // A restarted server counts the recorded pairs and appends after them.
        let restarted = try LabelSession(runFolder: generator, pairsFile: file, seed: 1)
        #expect(restarted.recorded == 1)
    }
}
