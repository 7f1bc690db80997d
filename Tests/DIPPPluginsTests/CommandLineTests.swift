import DIPPData
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation
#if canImport(FoundationXML)
import FoundationXML   // XMLParser on Linux
#endif
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
        #expect(python.output.contains("['labels', 'latents', 'null_mask', 'samples'] (30, 64) float32 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] 0"), "\(python.output)")
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
        #expect(run.status == 0 && run.output.contains("ikl —") && run.output.contains(#"{"alpha":1.2,"assistantNoise":"#) && run.output.contains("sds —"), "\(run.output)")
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

    /// Defaults are visible: each command's own in its `--help`, the registered names in the
    /// component flags' help, and with `--show-config` every resolved setting with its source
    /// (default, file, preset, flag); nothing is trained.
    @Test func defaultsAndTheirSourcesAreShown() throws {
        let distill = try Self.dipp(["distill", "--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(distill.contains("2000 steps of batch 256") && distill.contains("CFG 1.0") && distill.contains("ikl|sid|sds"), "\(distill)")
        let align = try Self.dipp(["align", "--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(align.contains("reward classifier") && align.contains("learning rate 2e-05"), "\(align)")
        let textTo3D = try Self.dipp(["text-to-3d", "--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(textTo3D.contains("generator voxel") && textTo3D.contains("CFG 3.0") && textTo3D.contains("400 steps of batch 8"), "\(textTo3D)")
        let weighting = try Self.dipp(["distill", "--weighting", "uint", "--out", "x"])
        #expect(weighting.status == 64 && weighting.output.contains("unit") && weighting.output.contains("dmd"), "\(weighting.output)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-show-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"divergence": "sid", "algorithm": {"batchSize": 64}}"#.utf8).write(to: file)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-show-run-\(UUID())")
        let run = try Self.dipp(["align", "--config", file.path, "--preset", "cfg4.5-rew1", "--steps", "7", "--show-config",
                                 "--teacher", RewardAlignment.teacher.get().path, "--out", out.path])
        #expect(run.status == 0, "\(run.output)")
        let lines = run.output.split(separator: "\n").map { $0.replacingOccurrences(of: "  ", with: " ") }
        func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " = ") } ?? "missing \(key)" }
        #expect(line("algorithm.steps").hasSuffix("(flag)") && line("algorithm.steps").contains("= 7"))
        #expect(line("algorithm.batchSize").contains("64") && line("algorithm.batchSize").contains("(file "))
        #expect(line("divergence.name").contains("(file ") && line("divergence.alpha").hasSuffix("(default)"))
        #expect(line("algorithm.teacherGuidance").contains("4.5") && line("algorithm.teacherGuidance").hasSuffix("(preset cfg4.5-rew1)"))
        #expect(line("reward.name").contains("classifier") && line("reward.name").hasSuffix("(default)"))
        #expect(!FileManager.default.fileExists(atPath: out.path), "--show-config must not start a run")
    }

    /// `dipp sample --generator RUN --reward R --out DIR`: samples scored by any reward, written
    /// elsewhere, with a grid labelled by class.
    @Test func sampleScoresWithARewardAndLabelsTheGrid() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-cli-sample-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let distill = try Self.dipp(["distill", "--teacher", RewardAlignment.teacher.get().path, "--steps", "3", "--batch-size", "32",
                                     "--out", root.appendingPathComponent("di").path])
        #expect(distill.status == 0 && distill.output.contains("steps/s"), "\(distill.output)")
        let out = root.appendingPathComponent("scored")
        let run = try Self.dipp(["sample", "--generator", root.appendingPathComponent("di").path, "--reward", "classifier",
                                 "--per-class", "4", "--out", out.path])
        #expect(run.status == 0 && run.output.contains("reward (classifier):") && run.output.contains("mean ± sd over these 40 samples")
                && run.output.contains("samples: 40 samples (4 per class), evaluation stream, seed 0")
                && run.output.contains("trained at CFG 1.0, α_rew 0.0") && !run.output.contains(", CFG 1.0 ("), "\(run.output)")
        #expect(!run.output.contains("nan →"), "\(run.output)")
        let report = try JSONDecoder().decode(EvaluationReportFields.self, from: Data(contentsOf: out.appendingPathComponent("report-one-step.json")))
        #expect(report.rewardName == "classifier" && report.meanReward < 0)
        let svg = try Data(contentsOf: out.appendingPathComponent("samples-one-step.svg"))
        let text = String(decoding: svg, as: UTF8.self)
        #expect(XMLParser(data: svg).parse() && text.contains("data:image/png;base64,") && text.contains(">7</text>"))
    }

    struct EvaluationReportFields: Decodable {
        let rewardName: String
        let meanReward: Double
    }
}

extension CommandLineTests {
    /// `dipp denoise` on a diffusers model gives that model's x₀ prediction: the parity fixture's
    /// inputs at level t, EDM-scaled (`x = x_t/√ᾱ_t`, `σ = √((1 − ᾱ_t)/ᾱ_t)`), against its `x0`.
    @Test func denoiseWritesTheImportedModelsPrediction() throws {
        let folder = TestSupport.root.appendingPathComponent("Tests/Reference/diffusers/v-cosine-class-pipeline")
        let reference = try SafeTensors.read(contentsOf: folder.appendingPathComponent("reference.safetensors"))
        let (xt, x0) = (try reference.tensor("sample"), try reference.tensor("x0"))
        let level = 5, size = xt.count / xt.shape[0]
        let alpha = Double(try reference.tensor("alphas_cumprod").storage[level])
        let sigma = ((1 - alpha) / alpha).squareRoot()
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-denoise-in-\(UUID()).safetensors")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-denoise-out-\(UUID()).safetensors")
        defer { for u in [input, output] { try? FileManager.default.removeItem(at: u) } }
        let x = xt.storage[(level * size)..<((level + 1) * size)].map { Float(Double($0) / alpha.squareRoot()) }
        try SafeTensors.write(["x": Tensor(shape: [1] + Array(xt.shape.dropFirst()), storage: x)], to: input)
        let label = Int(try reference.tensor("class_labels").storage[level])
        let run = try Self.dipp(["denoise", "--model", "diffusers:" + folder.path, "--input", input.path, "--sigma", String(sigma),
                                 "--labels", String(label), "--save", output.path])
        #expect(run.status == 0, "\(run.output)")
        let got = try SafeTensors.read(contentsOf: output).tensor("denoised").storage
        let want = Array(x0.storage[(level * size)..<((level + 1) * size)])
        let error = zip(got, want).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        let norm = want.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        #expect(error / norm <= 1e-4, "‖Δ‖/‖ref‖ = \(error / norm)")
        let refused = try Self.dipp(["denoise", "--model", "diffusers:" + folder.path, "--input", input.path, "--sigma", "1", "--labels", "7",
                                     "--save", output.path])
        #expect(refused.status != 0 && refused.output.contains("outside the model's 3 classes"), "\(refused.output)")
    }
}

extension CommandLineTests {
    /// `dipp reward score` on samples `dipp sample --save` wrote gives the mean the sample
    /// command's own `--reward` printed for the same samples, and writes every value.
    @Test func rewardScoreRescoresSavedSamples() throws {
        let teacher = try RewardAlignment.teacher.get()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-score-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let samples = folder.appendingPathComponent("samples.safetensors").path, scores = folder.appendingPathComponent("scores.json").path
        let sampled = try Self.dipp(["sample", "--model", teacher.path, "--sampler", "euler", "--steps", "4", "--per-class", "2", "--reward", "classifier",
                                     "--save", samples, "--out", folder.path])
        #expect(sampled.status == 0, "\(sampled.output)")
        let printed = try #require(sampled.output.firstMatch(of: /reward \(classifier\): (-?[0-9.]+) ±/).flatMap { Double($0.1) }, "\(sampled.output)")
        let scored = try Self.dipp(["reward", "score", "--reward", "classifier", "--teacher", teacher.path, "--samples", samples, "--out", scores])
        #expect(scored.status == 0, "\(scored.output)")
        let result = try JSONDecoder().decode(RewardScores.self, from: Data(contentsOf: URL(fileURLWithPath: scores)))
        #expect(result.count == 20 && result.scores.count == 20 && abs(result.mean - printed) < 1e-4, "\(result.mean) vs \(printed)")
        let wrong = try Self.dipp(["reward", "score", "--reward", "classifier", "--teacher", teacher.path, "--samples", scores])
        #expect(wrong.status != 0 && wrong.output.contains(scores), "\(wrong.output)")
    }
}

extension CommandLineTests {
    /// `dipp pretrain --data images:DIR` names every file it skips, with the reason, and trains
    /// on the rest; a folder with nothing readable is refused.
    @Test func imageFolderRunsNameTheFilesTheySkip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-skips-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, value) in [("a/1.png", 40), ("a/2.png", 90), ("b/3.png", 160), ("b/4.png", 220)] as [(String, UInt8)] {
            let path = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Files.writePNG([UInt8](repeating: value, count: 64), width: 8, height: 8, channels: 1, to: path.path)
        }
        FileManager.default.createFile(atPath: folder.appendingPathComponent("a/empty.png").path, contents: Data())
        try "not an image".write(to: folder.appendingPathComponent("b/notes.jpg"), atomically: true, encoding: .utf8)
        let run = try Self.dipp(["pretrain", "--data", "images:" + folder.path, "--steps", "1", "--batch-size", "2", "--no-report",
                                 "--out", folder.appendingPathComponent("run").path])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("a/empty.png: empty file") && run.output.contains("b/notes.jpg: not a PNG or JPEG"), "\(run.output)")
        let broken = folder.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: broken.appendingPathComponent("x.png").path, contents: Data())
        let refused = try Self.dipp(["pretrain", "--data", "images:" + broken.path, "--steps", "1", "--out", folder.appendingPathComponent("run2").path])
        #expect(refused.status != 0 && refused.output.contains("x.png"), "\(refused.output)")
    }
}
