import DIPPNN
import DIPPTensor
import Foundation

/// Maps prompts to one vector each: `[N, dimension]`. Conditioning networks read these
/// (``ConditionEncoder`` projects them); rewards may read them too.
///
/// Contract: `embed` is a pure function of the prompts and the encoder's parameters (the same
/// prompt gives the same row, whatever batch it is in, up to float rounding); it is
/// differentiable with respect to the encoder's parameters when they require gradients.
public protocol TextEncoder: AnyObject {
    /// A name recorded in run folders (`all-MiniLM-L6-v2`, `bag-of-tokens`).
    var identifier: String { get }
    var dimension: Int { get }
    func embed(_ prompts: [String]) -> Tensor
    /// Each prompt's token-level embeddings, `T_i × dimension` values row-major (the real tokens
    /// only), for networks that attend over the tokens; `nil` when the encoder has none.
    func tokenEmbeddings(_ prompts: [String]) -> [[Float]]?
}

extension TextEncoder {
    public func tokenEmbeddings(_ prompts: [String]) -> [[Float]]? { nil }

    /// Both embeddings of `prompts` (encoders that compute them in one pass override it).
    public func embeddingsWithTokens(_ prompts: [String]) -> (pooled: [Float], tokens: [[Float]]?) {
        (withoutGradients { embed(prompts) }.storage, tokenEmbeddings(prompts))
    }
}

/// A sentence encoder: WordPiece ids → ``BERTEncoder`` → mean over the real tokens →
/// L2 normalisation (`e = m/‖m‖`, `m = Σ_t mask_t h_t / Σ_t mask_t`), the sentence-transformers
/// recipe of all-MiniLM-L6-v2.
public final class SentenceEncoder: TextEncoder {
    public let identifier: String
    public let tokenizer: WordPieceTokenizer
    public let bert: BERTEncoder
    /// Sentences per forward pass (bounds the `[B·H, T, T]` attention scores).
    public var batchSize = 64

    public init(identifier: String, tokenizer: WordPieceTokenizer, bert: BERTEncoder) {
        (self.identifier, self.tokenizer, self.bert) = (identifier, tokenizer, bert)
    }

    public var dimension: Int { bert.configuration.hiddenSize }

    public func embed(_ prompts: [String]) -> Tensor {
        guard !prompts.isEmpty else { return Tensor.zeros([0, dimension]) }
        let parts = stride(from: 0, to: prompts.count, by: batchSize).map { start in
            embedBatch(prompts[start..<Swift.min(start + batchSize, prompts.count)].map(tokenizer.encode))
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
    }

    /// The last hidden states of each prompt's tokens (`[CLS]` and `[SEP]` included), `T_i × 384`.
    public func tokenEmbeddings(_ prompts: [String]) -> [[Float]]? { embeddingsWithTokens(prompts).tokens }

    /// The sentence embeddings and the token states from one pass of the encoder.
    public func embeddingsWithTokens(_ prompts: [String]) -> (pooled: [Float], tokens: [[Float]]?) {
        let d = dimension
        var pooled: [Float] = [], tokens: [[Float]] = []
        for start in stride(from: 0, to: prompts.count, by: batchSize) {
            let ids = prompts[start..<Swift.min(start + batchSize, prompts.count)].map(tokenizer.encode)
            withoutGradients {
                let (hidden, mask) = bert(ids)
                let t = hidden.shape[1]
                tokens += ids.enumerated().map { i, sequence in Array(hidden.storage[(i * t * d)..<((i * t + sequence.count) * d)]) }
                let counts = Tensor(shape: [ids.count, 1], storage: ids.map { Float($0.count) })
                pooled += Self.normalized((hidden * Tensor(shape: [ids.count, t, 1], storage: mask)).sum(axis: 1) / counts).storage
            }
        }
        return (pooled, tokens)
    }

    func embedBatch(_ ids: [[Int]]) -> Tensor {
        let (hidden, mask) = bert(ids)
        let (b, t) = (hidden.shape[0], hidden.shape[1])
        let m = Tensor(shape: [b, t, 1], storage: mask)
        let counts = Tensor(shape: [b, 1], storage: ids.map { Float($0.count) })
        return Self.normalized((hidden * m).sum(axis: 1) / counts)
    }

    /// `x / max(‖x‖, 10⁻¹²)` per row.
    static func normalized(_ x: Tensor) -> Tensor {
        x / x.square().sum(axis: 1, keepDims: true).sqrt().clamped(min: 1e-12, max: .greatestFiniteMagnitude)
    }
}

/// A small trainable encoder: WordPiece ids → a learned embedding per piece → the mean over
/// the pieces (no `[CLS]`/`[SEP]`; an empty prompt embeds as zeros). For tests and for
/// conditioning without the MiniLM weights.
public final class BagOfTokensEncoder: TextEncoder, Layer {
    public let identifier = "bag-of-tokens"
    public let tokenizer: WordPieceTokenizer
    public let table: Embedding

    public init(tokenizer: WordPieceTokenizer, dimension: Int, rng: inout RandomStream) {
        self.tokenizer = tokenizer
        table = Embedding(count: tokenizer.vocabulary.values.max()! + 1, dimension: dimension, rng: &rng)
    }

    public var dimension: Int { table.table.shape[1] }
    public var namedParameters: [(name: String, tensor: Tensor)] { prefixed("tokens", table) }

    /// Each piece's row of the table (an empty prompt: one row of zeros), without gradients.
    public func tokenEmbeddings(_ prompts: [String]) -> [[Float]]? {
        let (d, values) = (dimension, table.table.storage)
        return prompts.map { prompt in
            let ids = Array(tokenizer.encode(prompt).dropFirst().dropLast())
            return ids.isEmpty ? [Float](repeating: 0, count: d) : ids.flatMap { values[($0 * d)..<(($0 + 1) * d)] }
        }
    }

    public func embed(_ prompts: [String]) -> Tensor {
        let ids = prompts.map { Array(tokenizer.encode($0).dropFirst().dropLast()) }
        let rows = table(ids.flatMap { $0 })
        // Averaging matrix A[i, j] = 1/|ids_i| for the pieces of prompt i: embeddings = A·rows.
        var a = [Float](repeating: 0, count: prompts.count * rows.shape[0])
        var at = 0
        for (i, piece) in ids.enumerated() {
            for j in at..<(at + piece.count) { a[i * rows.shape[0] + j] = 1 / Float(piece.count) }
            at += piece.count
        }
        return Tensor(shape: [prompts.count, rows.shape[0]], storage: a).matmul(rows)
    }
}

/// Embeddings of prompts, computed once per distinct prompt (without gradients) and reused:
/// training draws from a fixed set of captions, so the encoder runs once per caption.
public final class PromptEmbeddingCache: @unchecked Sendable {
    public let encoder: TextEncoder
    private var rows: [String: [Float]] = [:]
    private var tokenRows: [String: [Float]] = [:]
    private let lock = NSLock()

    public init(encoder: TextEncoder) { self.encoder = encoder }

    public var dimension: Int { encoder.dimension }

    /// `[prompts.count · dimension]` values, row-major.
    public func embeddings(_ prompts: [String]) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        let missing = Self.missing(prompts, in: rows)
        if !missing.isEmpty {
            let values = withoutGradients { encoder.embed(missing) }.storage
            for (i, p) in missing.enumerated() { rows[p] = Array(values[(i * dimension)..<((i + 1) * dimension)]) }
        }
        return prompts.flatMap { rows[$0]! }
    }

    /// Token embeddings padded to the longest prompt: `[B, T, dimension]` values, the `[B, T]`
    /// mask (1 = a real token) and `T`; `nil` when the encoder gives none. Prompts new to the
    /// cache are encoded once for both their sentence and token embeddings.
    public func tokenEmbeddings(_ prompts: [String]) -> (values: [Float], mask: [Float], tokenCount: Int)? {
        lock.lock()
        defer { lock.unlock() }
        let missing = Self.missing(prompts, in: tokenRows)
        if !missing.isEmpty {
            let (pooled, computed) = encoder.embeddingsWithTokens(missing)
            guard let computed else { return nil }
            for (i, p) in missing.enumerated() {
                tokenRows[p] = computed[i]
                rows[p] = Array(pooled[(i * dimension)..<((i + 1) * dimension)])
            }
        }
        let d = dimension
        let t = prompts.map { tokenRows[$0]!.count / d }.max() ?? 0
        var values: [Float] = [], mask: [Float] = []
        values.reserveCapacity(prompts.count * t * d)
        for p in prompts {
            let row = tokenRows[p]!, n = row.count / d
            values += row + [Float](repeating: 0, count: (t - n) * d)
            mask += [Float](repeating: 1, count: n) + [Float](repeating: 0, count: t - n)
        }
        return (values, mask, t)
    }

    /// The distinct prompts of `prompts` not in `table`, in first-seen order.
    private static func missing(_ prompts: [String], in table: [String: [Float]]) -> [String] {
        var missing: [String] = [], seen = Set<String>()
        for p in prompts where table[p] == nil && seen.insert(p).inserted { missing.append(p) }
        return missing
    }
}
