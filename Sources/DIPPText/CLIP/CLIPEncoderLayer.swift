import DIPPNN
import DIPPTensor

extension CLIPConfiguration.Activation {
    /// `quick_gelu`: `x·σ(1.702·x)`; `gelu`: `x·Φ(x)` with the exact error function.
    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .quickGELU: x.quickGELU()
        case .gelu: x.gelu()
        }
    }
}

/// One pre-layer-norm transformer layer of either CLIP tower (`encoder.layers.N`):
///
/// `h ← h + W_o·MHA(LN₁(h)),  h ← h + W₂·act(W₁·LN₂(h))`, with
/// `MHA(y) = concat_heads softmax(QKᵀ/√d + M)V` (``Tensor/attention(query:key:value:keyMask:causal:)``).
public struct CLIPEncoderLayer: Layer {
    public let query: Linear, key: Linear, value: Linear, output: Linear
    public let norm1: LayerNorm, norm2: LayerNorm
    public let fc1: Linear, fc2: Linear
    public let headCount: Int
    public let activation: CLIPConfiguration.Activation

    init(_ w: HuggingFaceWeights, _ prefix: String, _ tower: CLIPConfiguration.Tower) throws {
        let (h, m) = (tower.hiddenSize, tower.intermediateSize)
        query = try w.linear("\(prefix).self_attn.q_proj", h, h)
        key = try w.linear("\(prefix).self_attn.k_proj", h, h)
        value = try w.linear("\(prefix).self_attn.v_proj", h, h)
        output = try w.linear("\(prefix).self_attn.out_proj", h, h)
        norm1 = try w.layerNorm("\(prefix).layer_norm1", h, epsilon: tower.layerNormEpsilon)
        norm2 = try w.layerNorm("\(prefix).layer_norm2", h, epsilon: tower.layerNormEpsilon)
        fc1 = try w.linear("\(prefix).mlp.fc1", h, m)
        fc2 = try w.linear("\(prefix).mlp.fc2", m, h)
        (headCount, activation) = (tower.headCount, tower.activation)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("self_attn.q_proj", query) + prefixed("self_attn.k_proj", key) + prefixed("self_attn.v_proj", value)
            + prefixed("self_attn.out_proj", output) + prefixed("layer_norm1", norm1) + prefixed("mlp.fc1", fc1)
            + prefixed("mlp.fc2", fc2) + prefixed("layer_norm2", norm2)
    }

    func write(_ prefix: String, into out: inout HuggingFaceTensors) {
        for (name, linear) in [("self_attn.q_proj", query), ("self_attn.k_proj", key), ("self_attn.v_proj", value),
                               ("self_attn.out_proj", output), ("mlp.fc1", fc1), ("mlp.fc2", fc2)] { out.put("\(prefix).\(name)", linear) }
        out.put("\(prefix).layer_norm1", norm1)
        out.put("\(prefix).layer_norm2", norm2)
    }

    /// `[B, T, H]` → `[B, T, H]`; `keyMask` (`[B·T]`, 1 = real) and `causal` as in ``Tensor/attention(query:key:value:keyMask:causal:)``.
    public func callAsFunction(_ x: Tensor, keyMask: [Float]? = nil, causal: Bool = false) -> Tensor {
        let (b, t, h) = (x.shape[0], x.shape[1], x.shape[2])
        let d = h / headCount
        func heads(_ y: Tensor) -> Tensor { y.reshaped([b, t, headCount, d]).transposed(1, 2) }
        let y = norm1(x)
        let attended = Tensor.attention(query: heads(query(y)), key: heads(key(y)), value: heads(value(y)), keyMask: keyMask, causal: causal)
        let a = x + output(attended.transposed(1, 2).reshaped([b, t, h]))
        return a + fc2(activation(fc1(norm2(a))))
    }
}
