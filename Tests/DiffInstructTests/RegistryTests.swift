import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// Adding a component is one file (Components/) plus one registration line; the run machinery
/// `dipp align` and `dipp sample` use then builds it by name from a configuration.
@Suite(.serialized) struct RegistryTests {
    /// Options no component can be built with are refused when the run is assembled, naming the
    /// key (a negative step count, a backwards band and a zero width each reached a trap before).
    @Test func builtInsRefuseOptionsOutOfRange() throws {
        let components = Components.standard()
        var rng = RandomStream(seed: 1)
        let context = RunContext(teacher: try! Components.standard().denoiser(DenoiserConfiguration(), rng: &rng), train: GaussianMixture2D().sample(64, rng: &rng),
                                 seed: 0, classifierFolder: FileManager.default.temporaryDirectory)
        func refused(_ body: () throws -> Void, _ key: String) {
            #expect { try body() } throws: { error in ((error as? ConfigurationError)?.location.contains(key) ?? false) }
        }
        for (name, options) in [("heun", ["steps": JSONValue.number(-1)]), ("euler", ["sigmaMin": .number(90)]),
                                ("edm-stochastic", ["churnMin": .number(60)])] {
            refused({ _ = try components.samplers.make(ComponentSpec(name, options: options), context: SamplerContext(), path: "sampler") }, "sampler")
        }
        refused({ _ = try components.guidance.make(ComponentSpec("cfg-interval", options: ["sigmaLow": .number(6)]), context: context, path: "guidance") },
                "guidance.sigmaLow")
        refused({ _ = try components.generators.make(ComponentSpec("mlp", options: ["hidden": .array([.number(0)])]), context: context, path: "generator") },
                "generator")
        _ = try components.samplers.make(ComponentSpec("heun", options: ["steps": .number(1)]), context: SamplerContext(), path: "sampler")
    }

    static func folder(_ name: String) -> URL { AlignmentRunTests.root.appendingPathComponent("registry-\(name)-\(UUID())") }

    @Test func aDivergenceRegisteredByTheUserTrains() throws {
        let components = Components.standard()
        components.register(HalvedIntegralKL.self)
        var c = try AlignmentRunTests.configuration(steps: 4)
        c.divergence = ComponentSpec("halved-ikl", options: ["factor": .number(0.25)])
        let folder = Self.folder("divergence")
        try AlignmentRun(configuration: c, folder: folder, components: components).run(progress: false)
        let metrics = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(metrics.contains(#""ikl_factor":0.25"#), "\(metrics)")
        let saved = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(saved.contains(#""name" : "halved-ikl""#) && saved.contains(#""factor" : 0.25"#), "\(saved)")
        // Without the registration the name is unknown, and the error lists what is registered.
        do {
            _ = try AlignmentRun(configuration: c, folder: Self.folder("unregistered"))
            Issue.record("an unregistered divergence was built")
        } catch let error as ConfigurationError {
            #expect(error.what.contains("unknown divergence 'halved-ikl'") && error.hint.contains("sid"), "\(error)")
        }
    }

    @Test func aRewardRegisteredByTheUserIsMaximised() throws {
        let components = Components.standard()
        components.register(CentreReward.self)
        var c = try AlignmentRunTests.configuration(steps: 30)
        c.reward = "centre"
        c.algorithm.rewardScale = 5
        c.algorithm.generatorLearningRate = 1e-3
        let report = try AlignmentRun(configuration: c, folder: Self.folder("reward"), components: components).run(progress: false)
        let (before, after) = (try #require(report.initialMeanReward), try #require(report.meanReward))
        #expect(report.rewardName == "centre" && after > before, "mean reward \(before) → \(after)")
    }

    @Test func aSamplerRegisteredByTheUserSamples() throws {
        let components = Components.standard()
        components.register(MidpointSampler.self)
        let teacher = try AlignmentRunTests.teacher()
        var lines: [String] = []
        let report = try SampleReport.sampleTeacher(model: teacher.path, sampler: ComponentSpec("midpoint", options: ["steps": .number(6)]),
                                                    components: components, perClass: 10, seed: 1, name: "midpoint") { lines.append($0) }
        #expect(report.sampler == "midpoint 6 steps, CFG 1.0" && report.evaluationsPerSample == 12, "\(report.sampler)")
        #expect(report.mode != nil && FileManager.default.fileExists(atPath: teacher.appendingPathComponent("samples-midpoint.png").path))
        #expect(lines.contains { $0.hasPrefix("sampled 80") })
    }

    /// Every kind is a registry in the catalogue, and a built-in's options are listed with their
    /// defaults (its own Codable options: SiD's `noise` is ``ScoreIdentity/sigmaDistribution``).
    @Test func theCatalogueListsEveryKind() {
        let listing = Components.standard().listing
        #expect(listing.map(\.kind) == ["generator", "divergence", "reward", "guidance", "TA objective", "sampler", "evaluator",
                                        "data set", "denoiser architecture", "text encoder"])
        let sid = listing.first { $0.kind == "divergence" }!.entries.first { $0.name == "sid" }
        #expect(sid?.defaults["alpha"] == .number(1.2) && sid?.defaults["noise"] == (try? JSONValue(encoding: NoiseDistribution.sid)))
    }

    /// Catalogues are independent: a registration in one is not seen by another.
    @Test func catalogueRegistrationsStayInTheirCatalogue() {
        let mine = Components.standard()
        mine.register(RingDataSet.self)
        #expect(mine.dataSets.contains("ring") && !Components.standard().dataSets.contains("ring"))
    }
}
