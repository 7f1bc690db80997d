import DIPPNN
import DIPPTensor
import DIPPText
import Foundation
import Testing

/// What `dipp reward train-clip` is built from: BPE merges learned from captions, and a model
/// written back in `transformers`' layout.
@Suite struct CLIPTrainingPiecesTests {
    /// The most frequent pair merges first (ties: the smaller pair); a learned vocabulary
    /// tokenises its own corpus into whole words, and survives a write and a read.
    @Test func bpeMergesAreLearnedAndWritten() throws {
        let corpus = ["a handwritten seven", "a handwritten seven", "a bold seven", "the digit 7", "seven sevens"]
        let merges = CLIPTokenizer.learnMerges(from: corpus, maximumMerges: 200)
        // "e n</w>" occurs 5 times (seven ×3, handwritten ×2), more than any other pair.
        #expect(merges.first.map { [$0.0, $0.1] } == ["e", "n</w>"], "\(merges.prefix(3))")
        let tokenizer = try CLIPTokenizer(merges: merges)
        #expect(tokenizer.startID == 512 + merges.count && tokenizer.endID == tokenizer.startID + 1)
        let ids = tokenizer.encode("a handwritten seven")
        #expect(ids.count == 5, "\(ids)")   // start, a, handwritten, seven, end
        let tokens = Dictionary(uniqueKeysWithValues: tokenizer.vocabulary.map { ($0.value, $0.key) })
        #expect(ids.dropFirst().dropLast().map { tokens[$0]! } == ["a</w>", "handwritten</w>", "seven</w>"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-bpe-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try tokenizer.write(to: folder)
        let read = try CLIPTokenizer(folder: folder)
        for text in corpus + ["an unseen sentence, with punctuation!", "ΟΔΟΣ 3.14 👍🏽"] { #expect(read.encode(text) == tokenizer.encode(text), "\(text)") }
        #expect(try String(contentsOf: folder.appendingPathComponent("merges.txt"), encoding: .utf8).hasPrefix("#version: 0.2\n"))
    }

    /// A fixture model written out and read back gives the same features, bit for bit.
    @Test func aWrittenModelReadsBackUnchanged() throws {
        let model = try CLIPModel(folder: CLIPParityTests.fixtures.appendingPathComponent("gelu-p8-s32-eos"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-clip-write-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.write(to: folder)
        let read = try CLIPModel(folder: folder)
        #expect(read.configuration == model.configuration)
        let x = Tensor(shape: [2, 3, 32, 32], storage: (0..<(2 * 3 * 32 * 32)).map { Float(($0 * 37) % 101) / 50 - 1 })
        let prompts = ["a photo of a cat", "the number 9"]
        withoutGradients {
            #expect(read.imageFeatures(pixels: x).storage == model.imageFeatures(pixels: x).storage)
            #expect(read.textFeatures(prompts).storage == model.textFeatures(prompts).storage)
        }
    }

    /// The InfoNCE loss with repeated captions equals its formula evaluated in Double:
    /// `−½·mean_i Σ_j t_ij (log softmax_j ℓ_i· + log softmax_j ℓ_·i)`, `t` uniform over equal captions.
    @Test func contrastiveLossEqualsItsFormula() throws {
        let model = try CLIPModel(folder: CLIPParityTests.fixtures.appendingPathComponent("quick-gelu-p4-s16-legacy"))
        let prompts = ["zero", "one", "zero", "a bold four"]
        let x = Tensor(shape: [4, 1, 16, 16], storage: (0..<(4 * 256)).map { Float(($0 * 53) % 97) / 48 - 1 })
        let loss = withoutGradients { CLIPContrastiveLoss.loss(model, images: x, prompts: prompts, channels: 1, side: 16) }.scalar
        let logits = withoutGradients { model.logits(imageFeatures: model.imageFeatures(images: x, channels: 1, height: 16, width: 16),
                                                     textFeatures: model.textFeatures(prompts)) }.storage.map { Double($0) }
        func logSoftmax(_ v: [Double]) -> [Double] { let m = v.max()!; let z = v.map { exp($0 - m) }.reduce(0, +); return v.map { $0 - m - log(z) } }
        var total = 0.0
        for i in 0..<4 {
            let same = (0..<4).filter { prompts[$0] == prompts[i] }
            let row = logSoftmax((0..<4).map { logits[i * 4 + $0] }), column = logSoftmax((0..<4).map { logits[$0 * 4 + i] })
            for j in same { total += (row[j] + column[j]) / Double(same.count) }
        }
        let expected = -0.5 * total / 4
        #expect(abs(Double(loss) - expected) < 1e-5 * max(1, abs(expected)), "\(loss) vs \(expected)")
    }
}
