import DIPPNN
import DIPPTensor

/// CLIP's text tower (`text_model.*`): token and position embeddings, the encoder under a causal
/// mask, `LN_final`, pooled at the end token (``CLIPConfiguration/endTokenID``).
public struct CLIPTextTower: Layer {
    public let tokenEmbedding: Tensor      // [V, H]
    public let positionEmbedding: Tensor   // [77, H]
    public let layers: [CLIPEncoderLayer]
    public let finalNorm: LayerNorm
    public let configuration: CLIPConfiguration

    init(_ w: HuggingFaceWeights, _ c: CLIPConfiguration) throws {
        let h = c.text.hiddenSize
        tokenEmbedding = try w.tensor("text_model.embeddings.token_embedding.weight", [c.vocabularySize, h])
        positionEmbedding = try w.tensor("text_model.embeddings.position_embedding.weight", [c.maximumPositions, h])
        layers = try (0..<c.text.layerCount).map { try CLIPEncoderLayer(w, "text_model.encoder.layers.\($0)", c.text) }
        finalNorm = try w.layerNorm("text_model.final_layer_norm", h, epsilon: c.text.layerNormEpsilon)
        configuration = c
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("embeddings.token_embedding.weight", tokenEmbedding), ("embeddings.position_embedding.weight", positionEmbedding)]
            + layers.enumerated().flatMap { prefixed("encoder.layers.\($0.offset)", $0.element) } + prefixed("final_layer_norm", finalNorm)
    }

    func write(into out: inout HuggingFaceTensors) {
        out.put("text_model.embeddings.token_embedding.weight", tokenEmbedding)
        out.put("text_model.embeddings.position_embedding.weight", positionEmbedding)
        for (i, layer) in layers.enumerated() { layer.write("text_model.encoder.layers.\(i)", into: &out) }
        out.put("text_model.final_layer_norm", finalNorm)
    }

    /// The position each sequence is pooled at: its largest id (legacy configs, `eos_token_id`
    /// 2; the first if several), else its first end token (0 if it has none), as `transformers`.
    public func pooledPosition(_ ids: [Int]) -> Int {
        if configuration.poolsAtLargestID {
            var best = 0
            for i in ids.indices where ids[i] > ids[best] { best = i }
            return best
        }
        return ids.firstIndex(of: configuration.endTokenID) ?? 0
    }

    /// Id sequences (each ≤ 77 ids; padded here to the longest, the padding masked) → the last
    /// hidden states `[B, T, H]` (after `LN_final`), the `[B·T]` mask and the pooled `[B, H]`.
    public func callAsFunction(_ sequences: [[Int]]) -> (hidden: Tensor, mask: [Float], pooled: Tensor) {
        let (b, t, h) = (sequences.count, sequences.map(\.count).max() ?? 0, configuration.text.hiddenSize)
        precondition(t <= configuration.maximumPositions, "CLIPTextTower: \(t) tokens exceed \(configuration.maximumPositions) positions")
        precondition(sequences.allSatisfy { $0.allSatisfy { (0..<configuration.vocabularySize).contains($0) } }, "CLIPTextTower: a token id is outside the vocabulary")
        let padded = sequences.flatMap { $0 + [Int](repeating: 0, count: t - $0.count) }
        let mask = sequences.flatMap { [Float](repeating: 1, count: $0.count) + [Float](repeating: 0, count: t - $0.count) }
        var hidden = Tensor.embedding(tokenEmbedding, ids: padded).reshaped([b, t, h])
            + Tensor.embedding(positionEmbedding, ids: Array(0..<t)).reshaped([1, t, h])
        for layer in layers { hidden = layer(hidden, keyMask: mask, causal: true) }
        hidden = finalNorm(hidden)
        let rows = sequences.enumerated().map { $0.offset * t + pooledPosition($0.element) }
        return (hidden, mask, hidden.reshaped([b * t, h]).indexSelect(axis: 0, indices: rows))
    }
}
