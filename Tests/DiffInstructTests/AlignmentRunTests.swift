import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DIPPTestSupport
import DiffInstruct
import Foundation
import Testing

/// A whole run as `dipp distill` / `dipp align` drive it: files written, resume, reloading the
/// generator, and configuration errors.
@Suite(.serialized) struct AlignmentRunTests {
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-run-\(UUID())")

    /// The shared small gmm2d teacher (``TestTeachers/gmm2d()``).
    static func teacher() throws -> URL { try TestTeachers.gmm2d() }

    static func configuration(steps: Int) throws -> RunConfiguration {
        var c = RunConfiguration()
        c.teacher = try teacher().path
        c.reward = "mode-distance"
        c.reportPerClass = 20
        c.algorithm.steps = steps
        c.algorithm.batchSize = 32
        c.algorithm.rewardScale = 1
        c.algorithm.checkpointEvery = 4
        c.algorithm.logEvery = 2
        return c
    }

    @Test func runWritesItsOutputsAndResumes() throws {
        let folder = Self.root.appendingPathComponent("align")
        let report = try AlignmentRun(configuration: Self.configuration(steps: 6), folder: folder).run(progress: false)
        for name in ["config.json", "generator.json", "generator.safetensors", "metrics.jsonl", "samples-generator.png",
                     "report-generator.json", "checkpoint-00000006.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "missing \(name)")
        }
        #expect(report.mode != nil && report.rewardName == "mode-distance" && report.meanReward != nil)
        let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix(#"{"step":2,"#) && lines[0].contains("reward_mean"))
        // Same folder, more steps: resumes at 6 and goes on.
        let resumed = try AlignmentRun(configuration: Self.configuration(steps: 10), folder: folder)
        var messages: [String] = []
        try resumed.run(progress: false) { messages.append($0) }
        #expect(messages.contains { $0.contains("step 6") }, "\(messages)")
        #expect(resumed.trainer.step == 10)
        // The finished run reloads with its EMA generator.
        let reloaded = try AlignmentRun.finished(runFolder: folder)
        #expect(zip(reloaded.generator.parameters, resumed.generator.parameters).allSatisfy { $0.storage == $1.storage })
    }

    @Test func configurationErrorsNameTheKey() throws {
        let folder = Self.root.appendingPathComponent("bad")
        var c = try Self.configuration(steps: 2)
        c.reward = "aesthetics"
        #expect(throws: ConfigurationError.self) { try AlignmentRun(configuration: c, folder: folder) }
        c.reward = "none"
        #expect(throws: ConfigurationError.self) { try AlignmentRun(configuration: c, folder: folder) }   // α_rew 1, no reward
        c.algorithm.rewardScale = 0
        c.divergence = "jsd"
        #expect(throws: ConfigurationError.self) { try AlignmentRun(configuration: c, folder: folder) }
        c.divergence = "ikl"
        c.generator = "plugin:/nowhere/libGenerator.so"   // plugins resolve only with DIPPPlugins' resolvers registered
        #expect(throws: ConfigurationError.self) { try AlignmentRun(configuration: c, folder: folder) }
        c.generator = "one-step"
        c.algorithm.assistantGuidance = 2    // guided TA without the dropout that teaches it ∅
        #expect(throws: ConfigurationError.self) { try AlignmentRun(configuration: c, folder: folder) }
        c.algorithm.assistantLabelDropout = 0.1
        #expect(throws: Never.self) { try AlignmentRun(configuration: c, folder: folder) }
        c.algorithm.assistantGuidance = 1
        c.teacher = "/nonexistent"
        #expect(throws: ConfigurationError.self) { try AlignmentRun(configuration: c, folder: folder) }
    }

    /// The TA starts as a copy of the teacher (Algorithm 3) or, on request, from fresh weights.
    @Test func theAssistantStartsFromTheTeacherOrFresh() throws {
        var c = try Self.configuration(steps: 1)
        for start in [RunConfiguration.AssistantInitialisation.teacher, .random] {
            c.assistantInitialisation = start
            let run = try AlignmentRun(configuration: c, folder: Self.root.appendingPathComponent("assistant-\(start)"))
            guard case .learned(let assistant) = run.trainer.assistant else {
                Issue.record("the run's TA is not learned")
                continue
            }
            let same = zip(assistant.parameters, run.teacher.parameters).allSatisfy { $0.storage == $1.storage }
            #expect(same == (start == .teacher), "\(start)")
        }
    }

    /// A strong reward pushes samples past the data range: the report warns; `clamp` keeps
    /// every sample inside.
    @Test func samplesLeavingTheDataRangeAreReportedOrClamped() throws {
        var c = try Self.configuration(steps: 20)
        c.reward = "linear:1,0"
        c.algorithm.rewardScale = 2000
        c.algorithm.rewardNormalization = .none
        c.algorithm.generatorLearningRate = 1e-2
        let loose = try AlignmentRun(configuration: c, folder: Self.root.appendingPathComponent("range-loose")).run(progress: false)
        #expect((loose.fractionOutsideDataRange ?? 0) > 0.01 && loose.summary.contains("leave the data range"), "\(loose.summary)")
        c.generatorOutput = .clamp
        let clamped = try AlignmentRun(configuration: c, folder: Self.root.appendingPathComponent("range-clamped")).run(progress: false)
        #expect(clamped.fractionOutsideDataRange == 0 && !clamped.summary.contains("leave the data range"), "\(clamped.summary)")
    }

    /// Components nest one object each: a name alone, or the name with options; options alone
    /// are merged over the default component; an unknown option is refused with its full path.
    @Test func componentsAreNestedObjectsCheckedByTheirRegistry() throws {
        let file = Self.root.appendingPathComponent("component-config.json")
        try FileManager.default.createDirectory(at: Self.root, withIntermediateDirectories: true)
        func read(_ json: String) throws -> RunConfiguration {
            try json.write(to: file, atomically: true, encoding: .utf8)
            return try ConfigurationFile.read(file.path, over: RunConfiguration())
        }
        #expect(try read(#"{"divergence": "sid"}"#).divergence == ComponentSpec("sid"))
        #expect(try read(#"{"divergence": {"name": "sid", "alpha": 1.5}}"#).divergence == ComponentSpec("sid", options: ["alpha": .number(1.5)]))
        #expect(try read(#"{"divergence": {"weighting": "l2"}}"#).divergence == ComponentSpec("ikl", options: ["weighting": .string("l2")]))
        #expect(try read(#"{"generator": {"name": "libStyle.so", "hyperparameters": {"width": 32}}}"#).generator.options["hyperparameters"]
                == .object(["width": .number(32)]))
        let components = Components.standard()
        #expect(try components.divergences.normalized("sid", path: "divergence")
                == ComponentSpec("sid", options: ["alpha": .number(1.2), "noise": JSONValue(encoding: NoiseDistribution.sid),
                                                   "assistantNoise": JSONValue(encoding: NoiseDistribution.edm)]))
        do {
            _ = try components.divergences.normalized(read(#"{"divergence": {"name": "sid", "alfa": 1}}"#).divergence, path: "divergence")
            Issue.record("an unknown option was accepted")
        } catch let error as ConfigurationError {
            #expect(error.location.contains("divergence.alfa") && error.hint.contains("alpha"), "\(error)")
        }
        do {
            var c = try Self.configuration(steps: 2)
            c.divergence = ComponentSpec("ikl", options: ["weighting": .string("l3")])
            _ = try AlignmentRun(configuration: c, folder: Self.root.appendingPathComponent("bad-weighting"))
            Issue.record("an unknown weighting was accepted")
        } catch let error as ConfigurationError {
            #expect(error.location.contains("divergence.weighting"), "\(error)")
        }
        #expect(throws: ConfigurationError.self) { try read(#"{"divergence": {"alpha": "high", "name": 3}}"#) }
    }
}
