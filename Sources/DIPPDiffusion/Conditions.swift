import DIPPTensor

/// The condition `c` of each sample in a batch: any of a class label, a text embedding and a
/// camera pose, plus a per-sample null mask (`∅`, "no condition").
///
/// Modalities and their null branch (what classifier-free guidance and label dropout use):
/// - **labels** (`[B]`): the null branch is ``nullLabel`` (networks keep a learned null row).
/// - **text** (pooled `[B, D]`, optionally token-level `[B, T, D]` with a `[B, T]` mask): the
///   values are kept and ``isNull`` marks the sample; encoders substitute a learned null vector.
/// - **camera** (`[B, k]`): never dropped — the null branch of text-to-3-D guidance is "no
///   prompt from the same viewpoint" (DreamFusion, threestudio).
/// Label-only batches (every existing data set) need nothing but ``init(labels:)``.
public struct Conditions: Sendable, Equatable, Codable {
    /// The label that means "no condition".
    public static let nullLabel = -1

    /// Per-sample labels in `0..<classCount`, or ``nullLabel``.
    public private(set) var labels: [Int]
    /// Per-sample null mask: `true` where the sample is unconditional (labels and text dropped).
    public private(set) var isNull: [Bool]
    /// A text embedding per sample, if the batch has one.
    public private(set) var text: TextEmbedding?
    /// A camera/pose vector per sample, if the batch has one.
    public private(set) var camera: CameraPose?

    /// Label conditions (``nullLabel`` marks `∅`).
    public init(labels: [Int]) {
        self.labels = labels
        isNull = labels.map { $0 == Self.nullLabel }
    }

    /// Conditions with any modalities; `labels` defaults to ``nullLabel`` per sample and `isNull`
    /// to "null where the label is null and there is no other content".
    public init(count: Int, labels: [Int]? = nil, text: TextEmbedding? = nil, camera: CameraPose? = nil, isNull: [Bool]? = nil) {
        let labels = labels ?? [Int](repeating: Self.nullLabel, count: count)
        precondition(labels.count == count, "Conditions: \(labels.count) labels for \(count) samples")
        precondition(text.map { $0.count == count } ?? true, "Conditions: text embedding for \(text?.count ?? 0) samples, not \(count)")
        precondition(camera.map { $0.count == count } ?? true, "Conditions: camera for \(camera?.count ?? 0) samples, not \(count)")
        self.labels = labels
        self.text = text
        self.camera = camera
        self.isNull = isNull ?? labels.map { $0 == Self.nullLabel && text == nil }
        precondition(self.isNull.count == count, "Conditions: null mask for \(self.isNull.count) samples, not \(count)")
    }

    /// `count` null conditions (labels only).
    public static func null(count: Int) -> Conditions { Conditions(labels: [Int](repeating: nullLabel, count: count)) }

    public var count: Int { labels.count }

    /// The same batch in its null branch: labels `∅`, text marked null, camera kept.
    public var nulled: Conditions { dropping([Bool](repeating: true, count: count)) }

    /// The batch with the samples where `mask` is `true` moved to the null branch (label dropout).
    public func dropping(_ mask: [Bool]) -> Conditions {
        precondition(mask.count == count, "Conditions.dropping: mask of \(mask.count) for \(count) samples")
        var out = self
        out.labels = zip(labels, mask).map { $1 ? Self.nullLabel : $0 }
        out.isNull = zip(isNull, mask).map { $0 || $1 }
        return out
    }

    /// This batch followed by `other` (for evaluating both CFG branches in one pass). Both must
    /// carry the same modalities.
    public func appending(_ other: Conditions) -> Conditions {
        precondition((text == nil) == (other.text == nil) && (camera == nil) == (other.camera == nil),
                     "Conditions.appending: the batches carry different modalities")
        var out = self
        out.labels += other.labels
        out.isNull += other.isNull
        if let text, let t = other.text { out.text = text.appending(t) }
        if let camera, let c = other.camera { out.camera = camera.appending(c) }
        return out
    }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Conditions {
        var out = self
        out.labels = indices.map { labels[$0] }
        out.isNull = indices.map { isNull[$0] }
        out.text = text?.subset(indices)
        out.camera = camera?.subset(indices)
        return out
    }

    /// Row index into an embedding table of `classCount + 1` rows (the last is `∅`).
    public func embeddingRows(classCount: Int) -> [Int] {
        labels.map { label in
            precondition(label == Self.nullLabel || (0..<classCount).contains(label),
                         "condition label \(label) is outside 0..<\(classCount)")
            return label == Self.nullLabel ? classCount : label
        }
    }
}

/// Text conditions: a pooled embedding per sample and, optionally, the token-level sequence
/// with its padding mask (what cross-attention networks read).
public struct TextEmbedding: Sendable, Equatable, Codable {
    /// `D`.
    public let dimension: Int
    /// `[B, D]`, row-major.
    public let pooled: [Float]
    /// `T` (0 when there is no token-level embedding).
    public let tokenCount: Int
    /// `[B, T, D]`.
    public let tokens: [Float]
    /// `[B, T]`: 1 for a real token, 0 for padding.
    public let tokenMask: [Float]
    /// The prompt of each sample, when known (rewards that score prompt–image agreement read it).
    public let prompts: [String]?

    public init(dimension: Int, pooled: [Float], tokenCount: Int = 0, tokens: [Float] = [], tokenMask: [Float] = [], prompts: [String]? = nil) {
        precondition(dimension > 0 && pooled.count % dimension == 0, "TextEmbedding: \(pooled.count) values are not rows of \(dimension)")
        let b = pooled.count / dimension
        precondition(tokens.count == b * tokenCount * dimension && tokenMask.count == b * tokenCount,
                     "TextEmbedding: tokens must be [B, T, D] and the mask [B, T]")
        precondition(prompts.map { $0.count == b } ?? true, "TextEmbedding: \(prompts?.count ?? 0) prompts for \(b) samples")
        (self.dimension, self.pooled, self.tokenCount, self.tokens, self.tokenMask) = (dimension, pooled, tokenCount, tokens, tokenMask)
        self.prompts = prompts
    }

    public var count: Int { pooled.count / dimension }
    /// The pooled embedding as a `[B, D]` tensor.
    public var pooledTensor: Tensor { Tensor(shape: [count, dimension], storage: pooled) }

    func appending(_ other: TextEmbedding) -> TextEmbedding {
        precondition(dimension == other.dimension && (tokenCount > 0) == (other.tokenCount > 0), "TextEmbedding.appending: shapes differ")
        let texts = prompts.flatMap { a in other.prompts.map { a + $0 } }
        let t = Swift.max(tokenCount, other.tokenCount)
        let (a, b) = (padded(to: t), other.padded(to: t))
        return TextEmbedding(dimension: dimension, pooled: pooled + other.pooled, tokenCount: t,
                             tokens: a.tokens + b.tokens, tokenMask: a.mask + b.mask, prompts: texts)
    }

    /// The token embeddings and mask padded (zeros, mask 0) to `t` tokens per sample.
    func padded(to t: Int) -> (tokens: [Float], mask: [Float]) {
        guard t > tokenCount else { return (tokens, tokenMask) }
        let (d, extra) = (dimension, t - tokenCount)
        var out: (tokens: [Float], mask: [Float]) = ([], [])
        for i in 0..<count {
            out.tokens += tokens[(i * tokenCount * d)..<((i + 1) * tokenCount * d)] + [Float](repeating: 0, count: extra * d)
            out.mask += tokenMask[(i * tokenCount)..<((i + 1) * tokenCount)] + [Float](repeating: 0, count: extra)
        }
        return out
    }

    func subset(_ indices: [Int]) -> TextEmbedding {
        let (d, t) = (dimension, tokenCount)
        return TextEmbedding(dimension: d, pooled: indices.flatMap { pooled[($0 * d)..<(($0 + 1) * d)] }, tokenCount: t,
                             tokens: indices.flatMap { tokens[($0 * t * d)..<(($0 + 1) * t * d)] },
                             tokenMask: indices.flatMap { tokenMask[($0 * t)..<(($0 + 1) * t)] }, prompts: prompts.map { p in indices.map { p[$0] } })
    }
}

/// Camera/pose conditions: a `k`-vector per sample (e.g. elevation, azimuth, radius).
public struct CameraPose: Sendable, Equatable, Codable {
    /// `k`.
    public let dimension: Int
    /// `[B, k]`, row-major.
    public let values: [Float]

    public init(dimension: Int, values: [Float]) {
        precondition(dimension > 0 && values.count % dimension == 0, "CameraPose: \(values.count) values are not rows of \(dimension)")
        (self.dimension, self.values) = (dimension, values)
    }

    public var count: Int { values.count / dimension }

    func appending(_ other: CameraPose) -> CameraPose {
        precondition(dimension == other.dimension, "CameraPose.appending: dimensions differ")
        return CameraPose(dimension: dimension, values: values + other.values)
    }

    func subset(_ indices: [Int]) -> CameraPose {
        CameraPose(dimension: dimension, values: indices.flatMap { values[($0 * dimension)..<(($0 + 1) * dimension)] })
    }
}
