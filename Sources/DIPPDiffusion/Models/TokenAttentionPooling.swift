import DIPPNN
import DIPPTensor
import Foundation

/// Attention pooling over a prompt's token embeddings (as in CLIP's attention-pool head, or
/// Perceiver's latent query): `H` learned queries `q_h ∈ ℝ^{E/H}` read the tokens `h_t ∈ ℝ^D`,
///
/// `p = concat_h Σ_t softmax_t(q_h·k_{h,t}/√(E/H) + M_t)·v_{h,t}`, `k = W_k h_t`, `v = W_v h_t`,
///
/// with `M_t = 0` for real tokens and a large negative score for padding. A sentence embedding
/// averages every token, so extra words dilute the one that names the class; a query can learn to
/// weight that token and ignore the rest. Parameters: `key.*`, `value.*`, `query` (`[H, E/H]`).
public struct TokenAttentionPooling: Layer {
    public let key: Linear, value: Linear
    public let query: Tensor
    public let headCount: Int

    public init(inputSize: Int, outputSize: Int, headCount: Int = 4, rng: inout RandomStream) {
        precondition(outputSize % headCount == 0, "TokenAttentionPooling: \(outputSize) does not split into \(headCount) heads")
        key = Linear(inputSize: inputSize, outputSize: outputSize, rng: &rng)
        value = Linear(inputSize: inputSize, outputSize: outputSize, rng: &rng)
        query = Tensor.randomNormal([headCount, outputSize / headCount], using: &rng, requiresGrad: true)
        self.headCount = headCount
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { prefixed("key", key) + prefixed("value", value) + [("query", query)] }

    /// `tokens` `[B, T, D]`, `mask` `[B·T]` (1 = real) → `[B, E]`.
    public func callAsFunction(_ tokens: Tensor, mask: [Float]) -> Tensor {
        let (b, t) = (tokens.shape[0], tokens.shape[1])
        let (h, d) = (headCount, query.shape[1])
        let k = key(tokens).reshaped([b, t, h, d]).transposed(1, 2)                    // [B, H, T, d]
        let v = value(tokens).reshaped([b, t, h, d]).transposed(1, 2)                  // [B, H, T, d]
        let scores = (k * query.reshaped([1, h, 1, d])).sum(axis: 3) * (1 / Float(d).squareRoot())   // [B, H, T]
        let masked = scores + Tensor(shape: [b, 1, t], storage: mask.map { $0 > 0 ? 0 : Tensor.maskedScore })
        let weights = masked.softmax().reshaped([b, h, t, 1])
        return (weights * v).sum(axis: 2).reshaped([b, h * d])
    }
}
