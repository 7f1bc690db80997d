import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
#if canImport(FoundationXML)
import FoundationXML   // XMLParser on Linux
#endif
import Testing

/// The researcher's loop: a reward scale that does not depend on the reward's units, control
/// runs that log the reward, where each setting came from, and runs compared side by side.
@Suite(.serialized) struct DailyLoopTests {
    /// A Gaussian teacher, an affine generator, the exact TA, a linear reward `kᵀx`.
    static func trainer(direction: [Float], rewardScale: Float, normalization: RewardNormalization = .gradient,
                        reward: Bool = true, warmup: Int = 50) -> (DIPPTrainer, AffineGenerator) {
        var c = DIPPConfiguration()
        c.rewardNormalizationWarmup = warmup
        c.batchSize = 64
        c.generatorLearningRate = 0.01
        c.rewardScale = .constant(rewardScale)
        c.rewardNormalization = normalization
        c.seed = 3
        let generator = AffineGenerator(shift: [[0, 0]], scale: [1])
        let trainer = DIPPTrainer(configuration: c, teacher: GaussianMixtureDenoiser(means: [[1, -1]], standardDeviations: [0.5]),
                                  generator: generator, assistant: .exact { ($0 as! AffineGenerator).exactAssistant() },
                                  divergence: IntegralKL(), reward: reward ? LinearReward(direction: direction) : nil, classCount: 1)
        return (trainer, generator)
    }

    /// With gradient normalisation a reward scaled by 1000 trains the same generator, and the
    /// normaliser is `ρ√d/‖∇r‖` (for `kᵀx`, `‖∇r‖ = ‖k‖` exactly).
    @Test func gradientNormalisationIsIndependentOfTheRewardsUnits() throws {
        let (small, g1) = Self.trainer(direction: [0.003, 0.004], rewardScale: 1)
        let (large, g2) = Self.trainer(direction: [3, 4], rewardScale: 1)
        let first = try small.trainStep()
        let normalizer = try #require(first["reward_normalizer"])
        let expected: Float = DIPPConfiguration().rewardGradientTarget * Float(2).squareRoot() / 0.005
        #expect(abs(normalizer - expected) < 1e-3 * expected, "normaliser \(normalizer), expected ρ√d/‖k‖ = \(expected)")
        // The reward term's logged push is then ρ√d per sample (α_rew = 1), whatever ‖k‖ is.
        let push = try #require(first["reward_grad_norm"])
        #expect(abs(push - expected * 0.005) < 1e-3 * push)
        try large.trainStep()
        for _ in 0..<4 { try small.trainStep(); try large.trainStep() }
        for (a, b) in zip(g1.parameters, g2.parameters) {
            for (x, y) in zip(a.storage, b.storage) { #expect(abs(x - y) < 1e-5 * max(1, abs(x)), "\(a.storage) vs \(b.storage)") }
        }
        // Without normalisation the units matter: the same α moves the two generators differently.
        let (raw1, h1) = Self.trainer(direction: [0.003, 0.004], rewardScale: 1, normalization: .none)
        let (raw2, h2) = Self.trainer(direction: [3, 4], rewardScale: 1, normalization: .none)
        for _ in 0..<5 { try raw1.trainStep(); try raw2.trainStep() }
        #expect(abs(h1.shift.storage[0] - h2.shift.storage[0]) > 1e-3)
    }

    /// The default, `frozen`: the factor is measured over the warm-up steps, then held — no
    /// gradient of the reward is taken after it — and it too is independent of the reward's units.
    @Test func frozenNormalisationHoldsItsFactorAfterTheWarmUp() throws {
        #expect(DIPPConfiguration().rewardNormalization == .frozen)
        let (small, g1) = Self.trainer(direction: [0.003, 0.004], rewardScale: 1, normalization: .frozen, warmup: 3)
        let (large, g2) = Self.trainer(direction: [3, 4], rewardScale: 1, normalization: .frozen, warmup: 3)
        var factors: [Float] = []
        for step in 1...6 {
            let metrics = try small.trainStep()
            try large.trainStep()
            factors.append(try #require(metrics["reward_normalizer"]))
            #expect((metrics["reward_grad_norm"] != nil) == (step <= 3), "step \(step): the gradient is measured in the warm-up only")
        }
        // kᵀx has the same gradient everywhere, so the warm-up mean is exactly ‖k‖ and the factor ρ√d/‖k‖ throughout.
        let expected: Float = DIPPConfiguration().rewardGradientTarget * Float(2).squareRoot() / 0.005
        #expect(factors.allSatisfy { abs($0 - expected) < 1e-3 * expected }, "\(factors)")
        #expect(factors[3...].allSatisfy { $0 == factors[2] })
        for (a, b) in zip(g1.parameters, g2.parameters) {
            for (x, y) in zip(a.storage, b.storage) { #expect(abs(x - y) < 1e-5 * max(1, abs(x)), "\(a.storage) vs \(b.storage)") }
        }
    }

    /// A reward without a gradient cannot be normalised: refused with a hint, not divided by ~0,
    /// and neither the generator nor the normaliser moves. Unnormalised, or in a control run
    /// (α_rew = 0, which measures nothing), it trains.
    @Test func aRewardWithoutAGradientIsRefusedByTheNormalisation() throws {
        for normalization in [RewardNormalization.frozen, .gradient] {
            let (trainer, generator) = Self.trainer(direction: [0, 0], rewardScale: 1, normalization: normalization)
            let before = generator.parameters.map(\.storage)
            #expect(throws: ConfigurationError.self) { try trainer.trainStep() }
            #expect(generator.parameters.map(\.storage) == before && trainer.rewardGradientAverage == (0, 0) && trainer.step == 0)
            let (control, _) = Self.trainer(direction: [0, 0], rewardScale: 0, normalization: normalization)
            #expect(try control.trainStep()["reward_mean"] != nil)
        }
        let (raw, _) = Self.trainer(direction: [0, 0], rewardScale: 1, normalization: .none)
        try raw.trainStep()
    }

    /// α_rew = 0 is a control run: it logs the reward and trains exactly as without one.
    @Test func aControlRunLogsTheRewardAndTrainsAsDistillation() throws {
        let (control, g1) = Self.trainer(direction: [1, 1], rewardScale: 0)
        let (plain, g2) = Self.trainer(direction: [1, 1], rewardScale: 0, reward: false)
        for _ in 0..<3 {
            let metrics = try control.trainStep()
            #expect(metrics["reward_mean"] != nil)
            try plain.trainStep()
        }
        #expect(zip(g1.parameters, g2.parameters).allSatisfy { $0.storage == $1.storage })
    }

    struct Settings: Codable {
        var steps = 100
        var rate: Float = 0.1
        var inner = Inner()
        struct Inner: Codable { var alpha: Float = 1; var name = "ikl" }
    }

    /// Each value's source is the last stage that named or changed it.
    @Test func provenanceNamesWhereEachValueCameFrom() throws {
        var p = ConfigurationProvenance()
        var s = Settings()
        try p.record("default", s)
        s.rate = 0.1   // the file repeats a default: still "file", it was named there
        s.inner.alpha = 2
        try p.record("file f.json", s, explicit: ConfigurationProvenance.keys(ofJSON: Data(#"{"rate": 0.1, "inner": {"alpha": 2}}"#.utf8)))
        s.steps = 7
        try p.record("flag", s, explicit: ["steps"])
        let sources = Dictionary(uniqueKeysWithValues: p.entries.map { ($0.key, "\($0.value) (\($0.source))") })
        #expect(sources == ["steps": "7 (flag)", "rate": "0.1 (file f.json)", "inner.alpha": "2 (file f.json)", "inner.name": "ikl (default)"])
    }

    /// `dipp compare`: three runs, a table of their differences and results, and plots whose
    /// plotted values are the logged ones.
    @Test func compareTablesAndPlotsMatchTheLogs() throws {
        let root = AlignmentRunTests.root.appendingPathComponent("compare")
        var folders: [URL] = []
        for (i, rate) in [Float(1e-4), 3e-4, 1e-3].enumerated() {
            var c = try AlignmentRunTests.configuration(steps: 6)
            c.algorithm.generatorLearningRate = .constant(rate)
            c.progressEvery = 3
            let folder = root.appendingPathComponent("run-\(i)")
            let report = try AlignmentRun(configuration: c, folder: folder).run(progress: false)
            #expect(report.steps == 6 && (report.wallSeconds ?? 0) > 0 && (report.stepsPerSecond ?? 0) > 0)
            #expect(report.components?["divergence"]?.options["weighting"] == .string("unit"))
            folders.append(folder)
        }
        let comparison = try RunComparison(folders: folders)
        let out = try comparison.write(to: root.appendingPathComponent("out"))
        let page = try String(contentsOf: out, encoding: .utf8)
        let tables = MarkdownTable.parse(page)
        #expect(tables.count == 2)
        #expect(tables[0].rows.map(\.first) == ["algorithm.generatorLearningRate"] && tables[0].rows[0].dropFirst() == ["0.0001", "0.0003", "0.001"])
        #expect(tables[1].rows.count == 3 && tables[1].rows.allSatisfy { $0[6] == "6" })
        #expect(comparison.metrics.contains("reward_mean") && comparison.metrics.contains("quality/mmd"))
        // The reward plot: well-formed SVG whose lines carry exactly the logged values.
        let svg = try Data(contentsOf: root.appendingPathComponent("out/reward_mean.svg"))
        let reader = PolylineReader()
        let parser = XMLParser(data: svg)
        parser.delegate = reader
        #expect(parser.parse())
        #expect(reader.series.count == 3)
        for (folder, line) in zip(folders, reader.series) {
            let logged = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.compactMap { $0["reward_mean"] as? Double }
            #expect(line.count == logged.count)
            for (plotted, value) in zip(line, logged) { #expect(abs(plotted - value) <= 1e-5 * max(1, abs(value))) }
        }
    }

    /// Collects the `data-y` values of each `<polyline>`.
    final class PolylineReader: NSObject, XMLParserDelegate {
        var series: [[Double]] = []
        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if element == "polyline", let y = attributes["data-y"] { series.append(y.split(separator: " ").compactMap { Double($0) }) }
        }
    }
}
