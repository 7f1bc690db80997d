import DIPPNN
import DIPPTensor
import Foundation

/// Turns ``Conditions`` into one vector per sample, `e(c) ∈ ℝ^E`, for a denoiser network:
/// `e(c) = E_label[c_label] + m·(W_text·t + b) + (1 − m)·e_∅ + W_cam·φ(p) + b'`, where
/// - `E_label` is a learned table with one row per class and a last row for `∅`;
/// - `t` is the pooled text embedding, `m` is 0 for null samples (then the learned `e_∅` is used
///   instead), present when `textDimension > 0`; with `textTokens` the term `W_text·t + b` is
///   ``TokenAttentionPooling`` over the prompt's token embeddings instead;
/// - `φ(p) = [sin(2^j π p_i), cos(2^j π p_i)]` are the camera's Fourier features
///   (`j < cameraFrequencies`), present when `cameraDimension > 0`.
/// Parameter names: `class_embedding.table`, `text_projection.*` (or `text_attention.*`), `text_null`,
/// `camera_projection.*` (label-only encoders name exactly what the networks always had).
public struct ConditionEncoder: Layer {
    public let classCount: Int
    public let classEmbedding: Embedding
    public let textProjection: Linear?
    public let textAttention: TokenAttentionPooling?
    public let textNull: Tensor?
    public let cameraProjection: Linear?
    public let cameraFrequencies: Int

    public init(_ configuration: DenoiserConfiguration, rng: inout RandomStream) {
        let c = configuration
        classCount = c.classCount
        classEmbedding = Embedding(count: c.classCount + 1, dimension: c.embeddingDimension, rng: &rng)
        if c.textDimension > 0 {
            textProjection = c.textTokens ? nil : Linear(inputSize: c.textDimension, outputSize: c.embeddingDimension, rng: &rng)
            textAttention = c.textTokens ? TokenAttentionPooling(inputSize: c.textDimension, outputSize: c.embeddingDimension, rng: &rng) : nil
            textNull = Tensor.randomNormal([1, c.embeddingDimension], using: &rng, requiresGrad: true)
        } else {
            (textProjection, textAttention, textNull) = (nil, nil, nil)
        }
        cameraFrequencies = c.cameraFrequencies
        cameraProjection = c.cameraDimension > 0
            ? Linear(inputSize: 2 * c.cameraDimension * c.cameraFrequencies, outputSize: c.embeddingDimension, rng: &rng) : nil
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var all = prefixed("class_embedding", classEmbedding)
        if let textProjection { all += prefixed("text_projection", textProjection) }
        if let textAttention { all += prefixed("text_attention", textAttention) }
        if let textNull { all += [("text_null", textNull)] }
        if let cameraProjection { all += prefixed("camera_projection", cameraProjection) }
        return all
    }

    /// `[N, E]`.
    public func callAsFunction(_ conditions: Conditions) -> Tensor {
        var e = classEmbedding(conditions.embeddingRows(classCount: classCount))
        if let textNull {
            guard let text = conditions.text else { preconditionFailure("this denoiser needs text conditions") }
            let keep = Tensor(shape: [conditions.count, 1], storage: conditions.isNull.map { $0 ? 0 : 1 })
            let read: Tensor
            if let textAttention {
                precondition(text.tokenCount > 0, "this denoiser reads the prompts' token embeddings; the conditions carry none")
                read = textAttention(Tensor(shape: [text.count, text.tokenCount, text.dimension], storage: text.tokens), mask: text.tokenMask)
            } else {
                read = textProjection!(text.pooledTensor)
            }
            e = e + read * keep + textNull * (1 - keep)
        }
        if let cameraProjection {
            guard let camera = conditions.camera else { preconditionFailure("this denoiser needs camera conditions") }
            e = e + cameraProjection(Self.fourierFeatures(camera, frequencies: cameraFrequencies))
        }
        return e
    }

    /// `[N, 2·k·L]`: `sin(2^j π p_i)` then `cos(2^j π p_i)` for each coordinate `i` and octave `j`.
    static func fourierFeatures(_ camera: CameraPose, frequencies: Int) -> Tensor {
        let (n, k) = (camera.count, camera.dimension)
        var out = [Float](repeating: 0, count: n * 2 * k * frequencies)
        for s in 0..<n {
            for i in 0..<k {
                for j in 0..<frequencies {
                    let angle = Foundation.pow(2, Float(j)) * Float.pi * camera.values[s * k + i]
                    let at = s * 2 * k * frequencies + (i * frequencies + j)
                    out[at] = Foundation.sin(angle)
                    out[at + k * frequencies] = Foundation.cos(angle)
                }
            }
        }
        return Tensor(shape: [n, 2 * k * frequencies], storage: out)
    }
}
