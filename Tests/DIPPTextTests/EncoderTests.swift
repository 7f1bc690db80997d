import DIPPNN
import DIPPTensor
import DIPPText
import Foundation
import Testing

/// The trainable encoders: gradients by finite differences, the embedding cache, and BERT's
/// forward on a tiny random model (its padding must not change a sentence's embedding).
@Suite struct EncoderTests {
    static let tokenizer = try! WordPieceTokenizer(pieces: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "bold", "thin", "seven", "three", "digit"])

    @Test func bagOfTokensGradient() {
        var rng = RandomStream(seed: 5)
        let encoder = BagOfTokensEncoder(tokenizer: Self.tokenizer, dimension: 3, rng: &rng)
        let report = GradientCheck.checkInPlace(encoder.parameters) { encoder.embed(["a bold seven", "three", "digit digit seven"]) }
        #expect(report.passed, "\(report)")
        // The mean of the piece rows: "three" is exactly row 8.
        let row = encoder.embed(["three"]).storage, table = encoder.table.table.storage
        #expect(row == Array(table[24..<27]))
    }

    @Test func cacheEmbedsEachPromptOnce() {
        final class Counting: TextEncoder {
            var calls: [[String]] = []
            let identifier = "counting", dimension = 2
            func embed(_ prompts: [String]) -> Tensor {
                calls.append(prompts)
                return Tensor(shape: [prompts.count, 2], storage: prompts.flatMap { [Float($0.count), 1] })
            }
        }
        let counting = Counting()
        let cache = PromptEmbeddingCache(encoder: counting)
        #expect(cache.embeddings(["ab", "abc", "ab"]) == [2, 1, 3, 1, 2, 1])
        #expect(cache.embeddings(["abc", "abcd"]) == [3, 1, 4, 1])
        #expect(counting.calls == [["ab", "abc"], ["abcd"]])
    }

    /// A 1-layer BERT with hidden 8, 2 heads, FFN 16, random weights in the Hugging Face layout.
    static func tinyBERT(trainable: Bool) throws -> BERTEncoder {
        var c = BERTConfiguration()
        (c.vocabularySize, c.hiddenSize, c.layerCount, c.headCount, c.intermediateSize, c.maximumPositions) = (10, 8, 1, 2, 16, 12)
        var rng = RandomStream(seed: 11)
        var tensors: [String: Tensor] = [:]
        func add(_ name: String, _ shape: [Int], scale: Float = 0.5) { tensors[name] = Tensor(shape: shape, storage: rng.normal(Shape.count(shape)).map { $0 * scale }) }
        add("embeddings.word_embeddings.weight", [10, 8]); add("embeddings.position_embeddings.weight", [12, 8])
        add("embeddings.token_type_embeddings.weight", [2, 8])
        for n in ["embeddings.LayerNorm", "encoder.layer.0.attention.output.LayerNorm", "encoder.layer.0.output.LayerNorm"] {
            add("\(n).weight", [8]); add("\(n).bias", [8])
        }
        for (n, o, i) in [("attention.self.query", 8, 8), ("attention.self.key", 8, 8), ("attention.self.value", 8, 8),
                          ("attention.output.dense", 8, 8), ("intermediate.dense", 16, 8), ("output.dense", 8, 16)] {
            add("encoder.layer.0.\(n).weight", [o, i]); add("encoder.layer.0.\(n).bias", [o])
        }
        return try BERTEncoder(configuration: c, weights: SafeTensors.Contents(tensors: tensors, dtypes: [:], metadata: [:]),
                               source: "tiny", trainable: trainable)
    }

    @Test func bertGradientWithPadding() throws {
        let bert = try Self.tinyBERT(trainable: true)
        let encoder = SentenceEncoder(identifier: "tiny", tokenizer: Self.tokenizer, bert: bert)
        let report = GradientCheck.checkInPlace(bert.parameters, seed: 3, elementsPerInput: 4) { encoder.embed(["a bold seven", "three", "thin digit"]) }
        #expect(report.passed, "\(report)")
    }

    @Test func paddingDoesNotChangeAnEmbedding() throws {
        let encoder = SentenceEncoder(identifier: "tiny", tokenizer: Self.tokenizer, bert: try Self.tinyBERT(trainable: false))
        let alone = encoder.embed(["three"]).storage
        let padded = encoder.embed(["a bold thin seven digit", "three"]).storage
        #expect(zip(alone, padded[8...]).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
        let norm = alone.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(Swift.abs(norm - 1) < 1e-5)
    }
}
