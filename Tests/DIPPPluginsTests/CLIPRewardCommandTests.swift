import DIPPRuns
import DIPPTensor
import DIPPText
import Foundation
import Testing

extension CommandLineTests {
    static let clipFixtures = TestSupport.root.appendingPathComponent("Tests/Reference/clip")

    /// `clip-score:DIR` and `aesthetic:DIR` from the command line, on the fixture models: the mean
    /// `dipp sample --reward` prints equals `dipp reward score`'s on the saved samples, and each
    /// saved score equals `100·cos(f_I, f_T)` (prompt: the class name) or the head's score
    /// computed here with the model itself on the 8×8 grey digits; `align` runs with the reward;
    /// a folder without a model is refused with the file named.
    @Test func clipRewardsScoreSavedSamples() throws {
        let teacher = try RewardAlignment.teacher.get()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-clip-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let clip = Self.clipFixtures.appendingPathComponent("quick-gelu-p4-s16-legacy")
        let aesthetic = folder.appendingPathComponent("aesthetic")
        try FileManager.default.createDirectory(at: aesthetic, withIntermediateDirectories: true)
        let aestheticCLIP = Self.clipFixtures.appendingPathComponent("gelu-p8-s32-eos")
        try FileManager.default.createSymbolicLink(at: aesthetic.appendingPathComponent("clip"), withDestinationURL: aestheticCLIP)
        try FileManager.default.copyItem(at: aestheticCLIP.appendingPathComponent("aesthetic_head.safetensors"), to: aesthetic.appendingPathComponent("head.safetensors"))
        let samples = folder.appendingPathComponent("samples.safetensors").path
        let score = "clip-score:" + clip.path

        let sampled = try Self.dipp(["sample", "--model", teacher.path, "--sampler", "euler", "--steps", "4", "--per-class", "2", "--reward", score,
                                     "--save", samples, "--out", folder.path])
        #expect(sampled.status == 0, "\(sampled.output)")
        let printed = try #require(sampled.output.firstMatch(of: /\): (-?[0-9.]+) ± [0-9.]+ \(mean ± sd/).flatMap { Double($0.1) }, "\(sampled.output)")
        let saved = try SafeTensors.read(contentsOf: URL(fileURLWithPath: samples))
        let x = try saved.tensor("samples"), labels = try saved.tensor("labels").storage.map { Int($0) }

        let model = try CLIPModel(folder: clip)
        let text = withoutGradients { CLIPModel.normalized(model.textFeatures(labels.map(String.init))) }
        let image = withoutGradients { CLIPModel.normalized(model.imageFeatures(images: x, channels: 1, height: 8, width: 8)) }
        let expected = ((image * text).sum(axis: 1) * 100).storage
        let head = try AestheticHead(file: aesthetic.appendingPathComponent("head.safetensors"), inputSize: 40)
        let aestheticModel = try CLIPModel(folder: aestheticCLIP)
        let expectedAesthetic = withoutGradients { head(CLIPModel.normalized(aestheticModel.imageFeatures(images: x, channels: 1, height: 8, width: 8))) }.storage

        for (reward, want) in [(score, expected), ("aesthetic:" + aesthetic.path, expectedAesthetic)] {
            let out = folder.appendingPathComponent("scores.json").path
            let scored = try Self.dipp(["reward", "score", "--reward", reward, "--teacher", teacher.path, "--samples", samples, "--out", out])
            #expect(scored.status == 0, "\(scored.output)")
            let result = try JSONDecoder().decode(RewardScores.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
            let worst = zip(result.scores, want).map { abs($0 - Double($1)) }.max() ?? .infinity
            #expect(result.count == 20 && worst < 1e-3, "\(reward): scores differ by up to \(worst)")
            if reward == score { #expect(abs(result.mean - printed) < 1e-3, "\(result.mean) vs \(printed)") }
        }

        let aligned = try Self.dipp(["align", "--teacher", teacher.path, "--reward", score, "--steps", "2", "--out", folder.appendingPathComponent("align").path])
        #expect(aligned.status == 0, "\(aligned.output)")
        let missing = try Self.dipp(["reward", "score", "--reward", "clip-score:" + folder.path, "--teacher", teacher.path, "--samples", samples])
        #expect(missing.status != 0 && missing.output.contains(folder.appendingPathComponent("config.json").path), "\(missing.output)")
    }
}

extension CommandLineTests {
    /// `--text-encoder clip:DIR` conditions a digits-text teacher on the CLIP text tower's
    /// normalised features (the run records the encoder), and a prompt samples from it.
    @Test func clipTextEncoderConditionsATeacher() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-clip-text-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = "clip:" + Self.clipFixtures.appendingPathComponent("quick-gelu-p6-s24").path
        let trained = try Self.dipp(["pretrain", "--data", "digits-text", "--text-encoder", encoder, "--steps", "2", "--batch-size", "16",
                                     "--no-report", "--out", folder.path])
        #expect(trained.status == 0, "\(trained.output)")
        let recorded = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(recorded.contains(encoder.replacingOccurrences(of: "/", with: "\\/")) || recorded.contains(encoder), "\(recorded)")
        let sampled = try Self.dipp(["sample", "--model", folder.path, "--prompt", "a bold seven", "--per-class", "2", "--steps", "2", "--sampler", "euler",
                                     "--out", folder.appendingPathComponent("samples").path])
        #expect(sampled.status == 0, "\(sampled.output)")
    }
}

/// A CLIP trained by `dipp reward train-clip` is read by `transformers` as DIPP reads it: same
/// token ids, image and text features within 1e-4 relative, same logit scale
/// (`Tests/Reference/clip_features.py`). Runs where a Python with torch and transformers is found
/// (`DIPP_CLIP_PYTHON`, else `python3`); skipped elsewhere (CI has no torch).
@Suite struct CLIPRoundTripTests {
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["DIPP_CLIP_PYTHON"], "python3"].compactMap { $0 }
        return candidates.first { (try? TestSupport.run("/usr/bin/env", [$0, "-c", "import torch, transformers"]))?.status == 0 }
    }()

    @Test(.enabled(if: python != nil, "no python3 with torch and transformers (set DIPP_CLIP_PYTHON)"))
    func trainedCLIPReadsTheSameInTransformers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-clip-trip-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let trained = try CommandLineTests.dipp(["reward", "train-clip", "--data", "digits-text", "--steps", "20", "--batch-size", "16",
                                                 "--out", folder.appendingPathComponent("clip").path])
        #expect(trained.status == 0, "\(trained.output)")
        let model = try CLIPModel(folder: folder.appendingPathComponent("clip"))
        let prompts = ["a handwritten seven", "a bold 3", "the numeral nine, drawn slowly", ""]
        var rng = RandomStream(seed: 3)
        let pixels = Tensor(shape: [3, 3, 8, 8], storage: rng.normal(3 * 3 * 64))
        let input = folder.appendingPathComponent("input.safetensors"), output = folder.appendingPathComponent("output.safetensors")
        let json = String(decoding: try JSONSerialization.data(withJSONObject: prompts), as: UTF8.self)
        try SafeTensors.write(["pixels": pixels], metadata: ["prompts": json], to: input)
        let run = try TestSupport.run("/usr/bin/env", [Self.python!, TestSupport.root.appendingPathComponent("Tests/Reference/clip_features.py").path,
                                                       folder.appendingPathComponent("clip").path, input.path, output.path])
        #expect(run.status == 0, "\(run.output)")
        let reference = try SafeTensors.read(contentsOf: output)
        let ids = try reference.tensor("input_ids"), mask = try reference.tensor("attention_mask").storage
        let width = ids.shape[1]
        for (i, prompt) in prompts.enumerated() {
            let theirs = (0..<width).filter { mask[i * width + $0] > 0 }.map { Int(ids.storage[i * width + $0]) }
            #expect(model.tokenizer.encode(prompt) == theirs, "\(prompt)")
        }
        for (got, key) in [(withoutGradients { model.imageFeatures(pixels: pixels) }, "image_embeds"), (withoutGradients { model.textFeatures(prompts) }, "text_embeds")] {
            let want = try reference.tensor(key)
            let error = zip(got.storage, want.storage).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
                / want.storage.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            #expect(error <= 1e-4, "\(key): ‖Δ‖/‖ref‖ = \(error)")
        }
        #expect(abs(try reference.tensor("logit_scale").storage[0] - model.logitScale.storage[0]) < 1e-6)
    }
}
