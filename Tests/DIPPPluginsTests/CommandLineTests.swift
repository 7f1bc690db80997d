import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation
import Testing

/// `dipp` as a user runs it: samplers by name, raw samples for outside metrics, the component
/// listing, and configuration values kept as written.
@Suite(.serialized) struct CommandLineTests {
    static func dipp(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try TestSupport.run(ValidatorTests.executable(), arguments)
    }

    static var pythonAvailable: Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        return (try? TestSupport.run("/usr/bin/env", ["python3", "-c", "import safetensors, numpy"]).status) == 0
    }

    @Test(.enabled(if: pythonAvailable, "python3 with safetensors and numpy"))
    func sampleSavesRawSamplesPythonCanRead() throws {
        let teacher = try RewardAlignment.teacher.get()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-samples-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try Self.dipp(["sample", "--model", teacher.path, "--sampler", "euler", "--steps", "6", "--per-class", "3",
                                 "--save", file.path, "--name", "euler-save"])
        #expect(run.status == 0 && run.output.contains("Euler 6 steps") && run.output.contains("6 evaluations/sample"), "\(run.output)")
        let script = """
            from safetensors.numpy import load_file
            from safetensors import safe_open
            t = load_file('\(file.path)')
            print(sorted(t), t['samples'].shape, t['samples'].dtype, t['labels'][::3].astype(int).tolist(), int(t['null_mask'].sum()))
            print(safe_open('\(file.path)', 'np').metadata()['sampler'])
            """
        let python = try TestSupport.run("/usr/bin/env", ["python3", "-c", script])
        #expect(python.status == 0, "\(python.output)")
        #expect(python.output.contains("['labels', 'null_mask', 'samples'] (30, 64) float32 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] 0"), "\(python.output)")
        #expect(python.output.contains("Euler 6 steps"), "\(python.output)")
    }

    @Test func unknownSamplersAndOptionsNameWhatIsWrong() throws {
        let teacher = try RewardAlignment.teacher.get().path
        let unknown = try Self.dipp(["sample", "--model", teacher, "--sampler", "ddim"])
        #expect(unknown.status == 1 && unknown.output.contains("unknown sampler 'ddim'") && unknown.output.contains("edm-stochastic"), "\(unknown.output)")
        let option = try Self.dipp(["sample", "--model", teacher, "--sampler", #"{"name": "heun", "stpes": 4}"#])
        #expect(option.status == 1 && option.output.contains("sampler.stpes") && option.output.contains("steps"), "\(option.output)")
    }

    @Test func componentsAreListedWithTheirOptions() throws {
        let run = try Self.dipp(["components", "divergence"])
        #expect(run.status == 0 && run.output.contains("ikl —") && run.output.contains(#"{"alpha":1.2}"#), "\(run.output)")
        let all = try Self.dipp(["components"])
        for kind in ["generator:", "reward:", "guidance:", "TA objective:", "sampler:", "evaluator:", "data set:", "denoiser architecture:",
                     "PATH.so", "ffi:PATH"] {
            #expect(all.output.contains(kind), "\(kind) missing from\n\(all.output)")
        }
    }

    /// A configuration file's `"reward": "none"` stays none: `dipp align` refuses it (α_rew is 1)
    /// instead of silently aligning with the classifier.
    @Test func alignKeepsAnExplicitNoneReward() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-cli-none-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("config.json")
        try #"{"reward": "none"}"#.write(to: config, atomically: true, encoding: .utf8)
        let run = try Self.dipp(["align", "--teacher", RewardAlignment.teacher.get().path, "--config", config.path, "--steps", "2",
                                 "--out", folder.appendingPathComponent("run").path])
        #expect(run.status == 1 && run.output.contains("the reward is none"), "\(run.output)")
    }

    /// `kill -9` in the middle of `dipp distill`, then the same command again: the run resumes
    /// from its last checkpoint, ends with the uninterrupted run's weights bit for bit, and logs
    /// every step once.
    @Test func distillSurvivesKillMinusNine() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-kill-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let teacher = try RewardAlignment.teacher.get().path
        func arguments(_ out: URL) -> [String] {
            ["distill", "--teacher", teacher, "--steps", "300", "--batch-size", "32", "--checkpoint-every", "20", "--out", out.path]
        }
        let straight = root.appendingPathComponent("straight"), killed = root.appendingPathComponent("killed")
        #expect(try Self.dipp(arguments(straight)).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ValidatorTests.executable())
        process.arguments = arguments(killed)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let store = CheckpointStore(folder: killed)
        while process.isRunning && (store.steps().last ?? 0) < 60 { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try Self.dipp(arguments(killed))
        #expect(resumed.status == 0 && resumed.output.contains("resuming from"), "\(resumed.output)")
        let a = try SafeTensors.read(contentsOf: straight.appendingPathComponent("generator.safetensors")).tensors
        let b = try SafeTensors.read(contentsOf: killed.appendingPathComponent("generator.safetensors")).tensors
        #expect(a.keys.sorted() == b.keys.sorted() && a.allSatisfy { b[$0.key]?.storage == $0.value.storage })
        let steps = try String(contentsOf: killed.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["step"] as? Int ?? -1
        }
        #expect(steps == Array(stride(from: 10, through: 300, by: 10)), "\(steps)")
    }

    /// Plugin paths resolve one way everywhere: a bare file name in the current folder works for
    /// `dipp plugin validate`, and a missing file is reported as missing, not as a bad library.
    @Test func pluginPathsResolveAgainstTheCurrentFolder() throws {
        let path = try #require(PluginHostTests.builtPlugin("SymmetryReward"))
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let bare = try TestSupport.run(ValidatorTests.executable(), ["plugin", "validate", "libSymmetryReward.so"], in: folder)
        #expect(bare.status == 0 && bare.output.contains("PASS"), "\(bare.output)")
        let missing = try Self.dipp(["plugin", "inspect", "/nonexistent/libNothing.so"])
        #expect(missing.status == 1 && missing.output.contains("the file does not exist"), "\(missing.output)")
    }

    /// A reward plugin written for other data (4 values per sample; digits have 64) is refused
    /// before training with both shapes named — an exit with status 1, not a crash.
    @Test func aRewardForOtherDataIsRefused() throws {
        let plugin = try #require(PluginHostTests.builtPlugin("FixtureGood"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-cli-shape-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.dipp(["align", "--teacher", RewardAlignment.teacher.get().path, "--reward", plugin, "--steps", "2",
                                 "--out", folder.path])
        #expect(run.status == 1 && run.output.contains("scores samples of shape [4]") && run.output.contains("[64]"), "\(run.output)")
    }
}
