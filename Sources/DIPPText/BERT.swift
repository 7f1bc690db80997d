import DIPPNN
import DIPPTensor
import Foundation

/// The shape of a BERT encoder (Hugging Face `config.json` names in the comments).
public struct BERTConfiguration: Codable, Sendable, Equatable {
    public var vocabularySize = 30522      // vocab_size
    public var hiddenSize = 384            // hidden_size
    public var layerCount = 6              // num_hidden_layers
    public var headCount = 12              // num_attention_heads
    public var intermediateSize = 1536     // intermediate_size
    public var maximumPositions = 512      // max_position_embeddings
    public var typeCount = 2               // type_vocab_size
    public var layerNormEpsilon: Float = 1e-12

    public init() {}

    /// Reads the fields above from a Hugging Face `config.json`; absent fields keep the defaults.
    public init(huggingFaceConfig url: URL) throws {
        let fail = { (what: String) in
            TextEncoderError(location: url.path, what: what, hint: "use the config.json that came with the model")
        }
        guard let data = try? Data(contentsOf: url), let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("cannot read the file as a JSON object")
        }
        func integer(_ key: String, _ value: inout Int) throws {
            guard let raw = json[key] else { return }
            guard let v = raw as? Int, v > 0 else { throw fail("\"\(key)\" must be a positive integer, found \(raw)") }
            value = v
        }
        try integer("vocab_size", &vocabularySize)
        try integer("hidden_size", &hiddenSize)
        try integer("num_hidden_layers", &layerCount)
        try integer("num_attention_heads", &headCount)
        try integer("intermediate_size", &intermediateSize)
        try integer("max_position_embeddings", &maximumPositions)
        try integer("type_vocab_size", &typeCount)
        if let eps = json["layer_norm_eps"] as? Double { layerNormEpsilon = Float(eps) }
        if let act = json["hidden_act"] as? String, act != "gelu" { throw fail("hidden_act \"\(act)\" is not supported (only exact \"gelu\")") }
        guard hiddenSize % headCount == 0 else { throw fail("hidden_size \(hiddenSize) does not split into \(headCount) heads") }
    }
}

/// A BERT encoder (Devlin et al., 2019), post-layer-norm:
///
/// `h₀ = LN(E_word[ids] + E_pos[0..<T] + E_type[0])`; each layer
/// `a = LN(h + W_o·MHA(h)),  h' = LN(a + W₂·GELU(W₁·a))`, with
/// `MHA(h) = concat_heads softmax(QKᵀ/√d + M)V` over the non-padded keys (``Tensor/attention``).
///
/// Parameters carry the Hugging Face names (`encoder.layer.3.attention.self.query.weight`, …);
/// linear weights are held as `[in, out]` (the file's `[out, in]` transposed once on loading).
public struct BERTEncoder: Layer {
    public let configuration: BERTConfiguration
    public let wordEmbeddings: Tensor, positionEmbeddings: Tensor, typeEmbeddings: Tensor
    public let embeddingNorm: LayerNorm
    public let layers: [BERTLayer]

    /// Loads the weights of a Hugging Face `BertModel` safetensors file (any prefix before
    /// `embeddings.` / `encoder.`, e.g. `bert.`, is accepted). Frozen unless `trainable`.
    public init(configuration c: BERTConfiguration, weights: SafeTensors.Contents, source: String, trainable: Bool = false) throws {
        let prefix = weights.tensors.keys.first { $0.hasSuffix("embeddings.word_embeddings.weight") }
            .map { String($0.dropLast("embeddings.word_embeddings.weight".count)) } ?? ""
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            let full = prefix + name
            guard let t = weights.tensors[full] else {
                throw TextEncoderError(location: "\(source), tensor '\(full)'", what: "the tensor is missing",
                                       hint: "the file is not a BERT checkpoint of this configuration")
            }
            guard t.shape == shape else {
                throw TextEncoderError(location: "\(source), tensor '\(full)'", what: "shape \(t.shape), expected \(shape)",
                                       hint: "the file does not match its config.json")
            }
            return Tensor(shape: shape, storage: t.storage, requiresGrad: trainable)
        }
        func linear(_ name: String, _ inputs: Int, _ outputs: Int) throws -> Linear {
            let w = try tensor("\(name).weight", [outputs, inputs])
            return Linear(weight: Tensor(shape: [inputs, outputs], storage: w.transposed(0, 1).storage, requiresGrad: trainable),
                          bias: try tensor("\(name).bias", [outputs]))
        }
        func norm(_ name: String) throws -> LayerNorm {
            LayerNorm(scale: try tensor("\(name).weight", [c.hiddenSize]), shift: try tensor("\(name).bias", [c.hiddenSize]), epsilon: c.layerNormEpsilon)
        }
        configuration = c
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, c.hiddenSize])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maximumPositions, c.hiddenSize])
        typeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [c.typeCount, c.hiddenSize])
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<c.layerCount).map { i in
            let p = "encoder.layer.\(i)"
            return BERTLayer(query: try linear("\(p).attention.self.query", c.hiddenSize, c.hiddenSize),
                             key: try linear("\(p).attention.self.key", c.hiddenSize, c.hiddenSize),
                             value: try linear("\(p).attention.self.value", c.hiddenSize, c.hiddenSize),
                             attentionOutput: try linear("\(p).attention.output.dense", c.hiddenSize, c.hiddenSize),
                             attentionNorm: try norm("\(p).attention.output.LayerNorm"),
                             intermediate: try linear("\(p).intermediate.dense", c.hiddenSize, c.intermediateSize),
                             output: try linear("\(p).output.dense", c.intermediateSize, c.hiddenSize),
                             outputNorm: try norm("\(p).output.LayerNorm"), headCount: c.headCount)
        }
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("embeddings.word_embeddings.weight", wordEmbeddings), ("embeddings.position_embeddings.weight", positionEmbeddings),
         ("embeddings.token_type_embeddings.weight", typeEmbeddings)]
            + prefixed("embeddings.LayerNorm", embeddingNorm)
            + layers.enumerated().flatMap { prefixed("encoder.layer.\($0.offset)", $0.element) }
    }

    /// The last hidden states `[B, T, H]` of `B` id sequences padded to the longest (`T`), and
    /// the `[B·T]` mask (1 for a real token).
    public func callAsFunction(_ sequences: [[Int]]) -> (hidden: Tensor, mask: [Float]) {
        let (b, t, h) = (sequences.count, sequences.map(\.count).max() ?? 0, configuration.hiddenSize)
        precondition(t <= configuration.maximumPositions, "BERTEncoder: \(t) tokens exceed \(configuration.maximumPositions) positions")
        let padded = sequences.flatMap { $0 + [Int](repeating: 0, count: t - $0.count) }
        let mask = sequences.flatMap { [Float](repeating: 1, count: $0.count) + [Float](repeating: 0, count: t - $0.count) }
        let words = Tensor.embedding(wordEmbeddings, ids: padded).reshaped([b, t, h])
        let positions = Tensor.embedding(positionEmbeddings, ids: Array(0..<t)).reshaped([1, t, h])
        let types = Tensor.embedding(typeEmbeddings, ids: [0])
        var hidden = embeddingNorm(words + positions + types)
        for layer in layers { hidden = layer(hidden, keyMask: mask) }
        return (hidden, mask)
    }
}

/// One post-LN transformer layer of ``BERTEncoder``.
public struct BERTLayer: Layer {
    public let query: Linear, key: Linear, value: Linear, attentionOutput: Linear
    public let attentionNorm: LayerNorm
    public let intermediate: Linear, output: Linear
    public let outputNorm: LayerNorm
    public let headCount: Int

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("attention.self.query", query) + prefixed("attention.self.key", key) + prefixed("attention.self.value", value)
            + prefixed("attention.output.dense", attentionOutput) + prefixed("attention.output.LayerNorm", attentionNorm)
            + prefixed("intermediate.dense", intermediate) + prefixed("output.dense", output) + prefixed("output.LayerNorm", outputNorm)
    }

    /// `[B, T, H]` → `[B, T, H]`.
    public func callAsFunction(_ x: Tensor, keyMask: [Float]) -> Tensor {
        let (b, t, h) = (x.shape[0], x.shape[1], x.shape[2])
        let d = h / headCount
        func heads(_ y: Tensor) -> Tensor { y.reshaped([b, t, headCount, d]).transposed(1, 2) }
        let attended = Tensor.attention(query: heads(query(x)), key: heads(key(x)), value: heads(value(x)), keyMask: keyMask)
        let a = attentionNorm(x + attentionOutput(attended.transposed(1, 2).reshaped([b, t, h])))
        return outputNorm(a + output(intermediate(a).gelu()))
    }
}
