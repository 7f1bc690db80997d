import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DIPPText
import Foundation
import Testing

/// Prompts as people write them: caption augmentation, the context-word held-out set, token
/// embeddings from the encoders, and attention pooling over them in the denoiser.
@Suite struct TokenConditioningTests {
    static func contentWords(_ texts: [String]) -> Set<String> {
        let stop: Set = ["a", "an", "the", "of", "on", "in", "with", "and", "is", "this", "there", "here", "my"]
        return Set(texts.flatMap { $0.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "-") }.map(String.init) }).subtracting(stop)
    }

    /// The augmentation's words are disjoint from the context words of both held-out sets, and
    /// it never changes what a caption asks for.
    @Test func augmentationKeepsTheMeaningAndItsWordsOutOfTheHeldOutSets() {
        let grammar = Self.contentWords((0..<10).flatMap { d in [nil, DigitCaptions.Thickness.thin, .bold].flatMap { DigitCaptions.training(d, $0) } })
            .union(DigitCaptions.numberWords).union((0..<10).map(String.init))
        let augmentation = Self.contentWords(CaptionAugmentation.contexts.map { $0.replacingOccurrences(of: "{c}", with: "") } + CaptionAugmentation.styleWords
                                             + CaptionAugmentation.randomWords)
        #expect(CaptionAugmentation.randomWords.count == 2000)
        for (name, set) in [("context", (0..<10).flatMap(DigitCaptions.contextHeldOut)),
                            ("paraphrase", (0..<10).flatMap { d in [nil, DigitCaptions.Thickness.thin, .bold].flatMap { DigitCaptions.heldOut(d, $0) } })] {
            let context = Self.contentWords(set).subtracting(grammar)
            #expect(!context.isEmpty && context.isDisjoint(with: augmentation), "\(name): \(context.intersection(augmentation))")
        }
        #expect(Self.contentWords((0..<10).flatMap(DigitCaptions.contextHeldOut)).isDisjoint(with: Self.contentWords((0..<10).flatMap { DigitCaptions.heldOut($0) })
            .subtracting(grammar)))
        var rng = RandomStream(seed: 5)
        let always = CaptionAugmentation(probability: 1), never = CaptionAugmentation(probability: 0)
        var changed = 0, total = 0
        for d in 0..<10 {
            for caption in [nil, DigitCaptions.Thickness.thin, .bold].flatMap({ DigitCaptions.training(d, $0) }) {
                for _ in 0..<20 {
                    let rewritten = always.apply(caption, rng: &rng)
                    #expect(DigitCaptions.parse(rewritten) == DigitCaptions.parse(caption), "\(caption) → \(rewritten)")
                    #expect(never.apply(caption, rng: &rng) == caption)
                    if rewritten != caption { changed += 1 }
                    total += 1
                }
            }
        }
        #expect(changed > total * 9 / 10, "\(changed) of \(total) rewritten")
        #expect(PromptEvaluation.contextPrompts.count == 30 && PromptEvaluation.contextPrompts.allSatisfy { DigitCaptions.parse($0.text).digit == $0.digit })
    }

    /// Attention pooling: finite-difference gradients in the tokens and its weights, and padded
    /// tokens change nothing.
    @Test func attentionPoolingGradientsAndPadding() {
        var rng = RandomStream(seed: 11)
        let pool = TokenAttentionPooling(inputSize: 6, outputSize: 8, headCount: 2, rng: &rng)
        let tokens = Tensor(shape: [2, 4, 6], storage: rng.normal(48))
        let mask: [Float] = [1, 1, 1, 0, 1, 1, 0, 0]
        let report = GradientCheck.check([tokens]) { pool($0[0], mask: mask) }
        #expect(report.passed, "\(report)")
        let weights = GradientCheck.checkInPlace([pool.key.weight, pool.value.weight, pool.query]) { pool(tokens, mask: mask) }
        #expect(weights.passed, "\(weights)")
        var garbage = tokens.storage
        for i in [3, 6, 7] { for j in 0..<6 { garbage[i * 6 + j] = 100 } }
        let a = pool(tokens, mask: mask).storage, b = pool(Tensor(shape: [2, 4, 6], storage: garbage), mask: mask).storage
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    /// A token-reading denoiser gives a prompt the same output alone and batched with a longer
    /// prompt (padding masked), and differs from the pooled network in its parameters only.
    @Test func tokenDenoiserIgnoresPadding() throws {
        var rng = RandomStream(seed: 4)
        let encoder = BagOfTokensEncoder(tokenizer: try WordPieceTokenizer(pieces: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "bold", "seven", "next", "to", "mug"]),
                                         dimension: 6, rng: &rng)
        let conditioner = Conditioner(promptsByClass: [["a seven"]], embeddings: PromptEmbeddingCache(encoder: encoder), tokens: true)
        var c = DenoiserConfiguration(sampleShape: [4], classCount: 1, hidden: [16], embeddingDimension: 8, textDimension: 6)
        c.textTokens = true
        let network = MLPDenoiserNetwork(c, rng: &rng)
        #expect(network.namedParameters.contains { $0.name.hasPrefix("text_attention.") } && !network.namedParameters.contains { $0.name.hasPrefix("text_projection.") })
        let x = Tensor(shape: [2, 4], storage: rng.normal(8)), level = Tensor(shape: [2], storage: [0.3, 0.3])
        let batched = network(x, noiseLevel: level, conditions: conditioner.conditions(prompts: ["a seven", "a bold seven next to a mug"]))
        let alone = network(x.slice(axis: 0, start: 0, count: 1), noiseLevel: level.slice(axis: 0, start: 0, count: 1),
                            conditions: conditioner.conditions(prompts: ["a seven"]))
        #expect(zip(batched.storage.prefix(4), alone.storage).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// Token embeddings agree with each encoder's pooled embedding: all-MiniLM-L6-v2's sentence
    /// embedding is the normalised mean of its tokens; CLIP's is the normalised token at the end.
    @Test func tokenEmbeddingsAgreeWithThePooledOnes() throws {
        let clip = CLIPTextEncoder(model: try CLIPModel(folder: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/clip/gelu-p8-s32-eos")))
        let prompts = ["a handwritten seven", "my grandmother wrote the number 7 on the chalkboard", ""]
        let pooled = withoutGradients { clip.embed(prompts) }.storage, tokens = try #require(clip.tokenEmbeddings(prompts))
        let d = clip.dimension
        for (i, row) in tokens.enumerated() {
            let last = Array(row.suffix(d)), norm = last.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(zip(last.map { $0 / norm }, pooled[(i * d)..<((i + 1) * d)]).allSatisfy { abs($0 - $1) < 1e-5 }, "\(prompts[i])")
        }
        guard FileManager.default.fileExists(atPath: MiniLM.defaultFolder.appendingPathComponent("model.safetensors").path) else { return }
        let minilm = try MiniLM.shared()
        let mPooled = withoutGradients { minilm.embed(prompts) }.storage, mTokens = try #require(minilm.tokenEmbeddings(prompts))
        for (i, row) in mTokens.enumerated() {
            let n = row.count / 384
            let mean = (0..<384).map { j in (0..<n).map { row[$0 * 384 + j] }.reduce(0, +) / Float(n) }
            let norm = mean.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(zip(mean.map { $0 / norm }, mPooled[(i * 384)..<((i + 1) * 384)]).allSatisfy { abs($0 - $1) < 1e-4 }, "\(prompts[i])")
        }
    }
}
