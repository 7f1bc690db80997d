import DIPPNN
import DIPPTensor
import DIPPText
import Foundation
import Testing

/// CLIP against `transformers` 5.25.0 itself: the fixtures under `Tests/Reference/clip/` (made
/// by `Tests/Reference/clip_reference.py`, CPU torch) hold tiny random `CLIPModel`s — both
/// activations, both pooling rules, patch sizes 4, 6 and 8, image sizes 16, 24 and 32 — with
/// their image and text features, logits, hidden states, the differentiable preprocessing
/// (grey, RGB, downscaled) and an aesthetic head; and ids from `CLIPTokenizer` for 220+ texts on
/// a vocabulary trained by `tokenizers`.
@Suite struct CLIPParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Reference/clip")

    static var cases: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
        return names.sorted().map { fixtures.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("reference.safetensors").path) }
    }

    /// `max_i ‖got_i − want_i‖ / ‖want_i‖` over the rows of `[N, …]` tensors.
    static func relativeError(_ got: Tensor, _ want: Tensor) -> Double {
        precondition(got.count == want.count, "shapes \(got.shape) and \(want.shape)")
        let n = want.shape[0], size = want.count / n
        return (0..<n).map { i in
            let range = (i * size)..<((i + 1) * size)
            let error = zip(got.storage[range], want.storage[range]).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
            let norm = want.storage[range].map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            return error / Swift.max(norm, 1e-30)
        }.max() ?? 0
    }

    /// The unpadded id sequences of `input_ids` under `attention_mask`.
    static func sequences(_ reference: SafeTensors.Contents, _ ids: String = "input_ids", mask: String? = "attention_mask") throws -> [[Int]] {
        let t = try reference.tensor(ids)
        let m = try mask.map { try reference.tensor($0).storage } ?? [Float](repeating: 1, count: t.count)
        let width = t.shape[1]
        return (0..<t.shape[0]).map { i in (0..<width).filter { m[i * width + $0] > 0 }.map { Int(t.storage[i * width + $0]) } }
    }

    @Test func fixturesArePresent() { #expect(Self.cases.count >= 3, "the fixtures under Tests/Reference/clip are missing") }

    /// Image and text features, normalised features, logits, pooled and last hidden states
    /// within 1e-4 relative (per row), and the pooled positions.
    @Test(arguments: cases)
    func modelEqualsTransformers(_ folder: URL) throws {
        let name = folder.lastPathComponent
        let model = try CLIPModel(folder: folder)
        let reference = try SafeTensors.read(contentsOf: folder.appendingPathComponent("reference.safetensors"))
        let ids = try Self.sequences(reference)
        let positions = try reference.tensor("text_pool_positions").storage.map { Int($0) }
        #expect(ids.map(model.text.pooledPosition) == positions, "\(name): pooled positions")
        withoutGradients {
            let pixels = try! reference.tensor("pixel_values")
            let (visionHidden, visionPooled) = model.vision(pixels)
            let (textHidden, mask, textPooled) = model.text(ids)
            let image = model.visualProjection(visionPooled), text = model.textProjection(textPooled)
            let checks: [(String, Tensor)] = [
                ("vision_last_hidden", visionHidden), ("vision_pooled", visionPooled), ("text_pooled", textPooled),
                ("image_embeds", image), ("text_embeds", text),
                ("image_embeds_normalized", CLIPModel.normalized(image)), ("text_embeds_normalized", CLIPModel.normalized(text)),
                ("logits_per_image", model.logits(imageFeatures: image, textFeatures: text)),
            ]
            for (key, got) in checks {
                let error = Self.relativeError(got, try! reference.tensor(key))
                #expect(error <= 1e-4, "\(name): \(key) differs by \(error) (relative)")
            }
            // Last hidden states at the real tokens (transformers pads to 77; DIPP to the longest).
            let want = try! reference.tensor("text_last_hidden"), h = want.shape[2], t = textHidden.shape[1]
            var worst = 0.0
            for (i, sequence) in ids.enumerated() {
                let got = textHidden.storage[(i * t * h)..<((i * t + sequence.count) * h)]
                let expected = want.storage[(i * want.shape[1] * h)..<((i * want.shape[1] + sequence.count) * h)]
                worst = Swift.max(worst, Self.relativeError(Tensor(shape: [1, got.count], storage: Array(got)), Tensor(shape: [1, expected.count], storage: Array(expected))))
            }
            #expect(worst <= 1e-4 && mask.count == ids.count * t, "\(name): text_last_hidden differs by \(worst)")
        }
        if reference.tensors["probe_input_ids"] != nil {
            let probes = try Self.sequences(reference, "probe_input_ids", mask: nil)
            #expect(probes.map(model.text.pooledPosition) == (try reference.tensor("probe_pool_positions")).storage.map { Int($0) }, "\(name): probe positions")
            let error = Self.relativeError(withoutGradients { model.textFeatures(ids: probes) }, try reference.tensor("probe_text_embeds"))
            #expect(error <= 1e-4, "\(name): probe_text_embeds differs by \(error)")
        }
    }

    /// DIPP images in [−1, 1] (grey 8×8, RGB 12×12, RGB 40×40 downscaled) → pixels equal to
    /// `F.interpolate(bilinear, antialias)` + normalisation, and their image features.
    @Test(arguments: cases)
    func preprocessingEqualsTorch(_ folder: URL) throws {
        let name = folder.lastPathComponent
        let model = try CLIPModel(folder: folder)
        let reference = try SafeTensors.read(contentsOf: folder.appendingPathComponent("reference.safetensors"))
        for input in ["raw_grey", "raw_rgb", "raw_large"] {
            let x = try reference.tensor(input)
            let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
            let pixels = withoutGradients { model.preprocessor(x, channels: c, height: h, width: w) }
            let pixelError = Self.relativeError(pixels, try reference.tensor("\(input)_pixels"))
            #expect(pixelError <= 1e-5, "\(name): \(input)_pixels differs by \(pixelError)")
            let features = withoutGradients { model.imageFeatures(images: x, channels: c, height: h, width: w) }
            let error = Self.relativeError(features, try reference.tensor("\(input)_image_embeds"))
            #expect(error <= 1e-4, "\(name): \(input)_image_embeds differs by \(error)")
        }
    }

    /// The aesthetic head on the normalised image features equals its torch evaluation.
    @Test func aestheticHeadEqualsTorch() throws {
        let folder = Self.fixtures.appendingPathComponent("gelu-p8-s32-eos")
        let model = try CLIPModel(folder: folder)
        let head = try AestheticHead(file: folder.appendingPathComponent("aesthetic_head.safetensors"), inputSize: model.configuration.projectionSize)
        #expect(head.layers.map(\.outputSize) == [1024, 128, 64, 16, 1])
        let reference = try SafeTensors.read(contentsOf: folder.appendingPathComponent("reference.safetensors"))
        let scores = withoutGradients { head(CLIPModel.normalized(model.imageFeatures(pixels: try! reference.tensor("pixel_values")))) }
        let want = try reference.tensor("aesthetic_scores")
        let raw = try reference.tensor("raw_rgb")
        let rawScores = withoutGradients { head(CLIPModel.normalized(model.imageFeatures(images: raw, channels: 3, height: 12, width: 12))) }
        for (got, expected) in [(scores, want), (rawScores, try reference.tensor("raw_rgb_aesthetic"))] {
            let worst = zip(got.storage, expected.storage).map { Double(abs($0 - $1)) / Swift.max(Double(abs($1)), 1e-3) }.max() ?? 1
            #expect(got.shape == expected.shape && worst <= 1e-4, "aesthetic scores \(got.storage) vs \(expected.storage)")
        }
    }

    /// Ids equal to `CLIPTokenizer`'s on every text of `tokenizer_cases.json`.
    @Test func tokenizerEqualsTransformers() throws {
        let tokenizer = try CLIPTokenizer(folder: Self.fixtures.appendingPathComponent("tokenizer"))
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("tokenizer_cases.json"))
        struct Case: Decodable { let text: String; let ids: [Int] }
        let cases = try JSONDecoder().decode([Case].self, from: data)
        #expect(cases.count >= 200)
        var mismatches: [String] = []
        for c in cases where tokenizer.encode(c.text) != c.ids {
            mismatches.append("\(c.text.debugDescription): \(tokenizer.encode(c.text)) ≠ \(c.ids)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ:\n\(mismatches.prefix(10).joined(separator: "\n"))")
        #expect(cases.contains { $0.ids.count == 77 }, "no case reaches the 77-token truncation")
    }
}
