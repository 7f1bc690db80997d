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
        let context = RunContext(teacher: EDMDenoiser(DenoiserConfiguration(), rng: &rng), train: GaussianMixture2D().sample(64, rng: &rng),
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
        components.divergences.register("halved-ikl", summary: "IKL at a factor", options: HalvedIntegralKL()) { o, _ in o }
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
        components.rewards.register("centre", summary: "−‖x‖²") { _ in CentreReward() }
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
        components.samplers.register("midpoint", summary: "explicit midpoint", options: MidpointSampler()) { o, _ in o }
        let teacher = try AlignmentRunTests.teacher()
        var lines: [String] = []
        let report = try SampleReport.sampleTeacher(folder: teacher, sampler: ComponentSpec("midpoint", options: ["steps": .number(6)]),
                                                    components: components, perClass: 10, seed: 1, name: "midpoint") { lines.append($0) }
        #expect(report.sampler == "midpoint 6 steps, CFG 1.0" && report.evaluationsPerSample == 12, "\(report.sampler)")
        #expect(report.mode != nil && FileManager.default.fileExists(atPath: teacher.appendingPathComponent("samples-midpoint.png").path))
        #expect(lines.contains { $0.hasPrefix("sampled 80") })
    }

    /// Every built-in is listed with its options, and every kind the issue names is a registry.
    @Test func theCatalogueListsEveryKind() {
        let listing = Components.standard().listing
        #expect(listing.map(\.kind) == ["generator", "divergence", "reward", "guidance", "TA objective", "sampler", "evaluator",
                                        "data set", "denoiser architecture"])
        let divergences = listing.first { $0.kind == "divergence" }!.entries
        #expect(divergences.map(\.name) == ["ikl", "sid", "sds"])
        #expect(divergences[1].defaults["alpha"] == .number(1.2) && divergences[1].defaults["noise"] == (try? JSONValue(encoding: NoiseDistribution.sid)))
        let samplers = listing.first { $0.kind == "sampler" }!.entries.map(\.name)
        #expect(samplers == ["heun", "euler", "edm-stochastic", "one-step"])
    }
}
