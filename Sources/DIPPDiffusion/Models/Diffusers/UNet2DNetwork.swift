import DIPPNN
import DIPPTensor
import Foundation

/// diffusers' `UNet2DModel` as a ``DenoiserNetwork``: `F(x_in, t, c)` where `t` is the value the
/// network's time embedding reads — a diffusers timestep for an imported model
/// (``DiscreteVPSchedule``), `c_noise = ¼ ln σ` for one DIPP trains under EDM preconditioning.
///
/// `temb = W₂·SiLU(W₁·φ(t) + b₁) + b₂ (+ E[c])`, with `φ` diffusers' sinusoidal timestep
/// embedding (`positional`) or Gaussian Fourier features of `ln t` (`fourier`, whose output is
/// then divided by `t`); `conv_in`, the down blocks (their outputs kept as skips), the mid
/// block, the up blocks, `conv_out(SiLU(GN(h)))`. Parameter names are diffusers' own.
public struct UNet2DNetwork: DenoiserNetwork {
    public let configuration: UNet2DConfiguration
    /// Classes the model was trained on: a DIPP-trained model's table has one more row, `∅`.
    public let classCount: Int
    /// Fourier embeddings' fixed random frequencies `w` (`time_proj.weight`, not trained).
    let fourierWeight: Tensor?
    let timeLinear1: Linear, timeLinear2: Linear
    let classEmbedding: Embedding?
    let convIn: Conv2d
    let down: [UNet2DDownBlock]
    let middle: UNet2DMidBlock?
    let up: [UNet2DUpBlock]
    let normOut: GroupNorm
    let convOut: Conv2d

    public init(_ c: UNet2DConfiguration, classCount: Int, rng: inout RandomStream) {
        configuration = c
        self.classCount = classCount
        let w = c.blockOutChannels, temb = c.timeEmbeddingWidth
        fourierWeight = c.timeEmbeddingType == "fourier" ? Tensor.randomNormal([w[0]], using: &rng) * 16 : nil
        timeLinear1 = Linear(inputSize: c.timeProjectionWidth, outputSize: temb, rng: &rng)
        timeLinear2 = Linear(inputSize: temb, outputSize: temb, rng: &rng)
        classEmbedding = c.numClassEmbeds.map { Embedding(count: $0, dimension: temb, rng: &rng) }
        convIn = Conv2d(inputChannels: c.inChannels, outputChannels: w[0], kernel: 3, padding: 1, rng: &rng)
        var output = w[0]
        down = c.downBlockTypes.enumerated().map { i, type in
            let input = output
            output = w[i]
            return UNet2DDownBlock(type: type, input: input, output: output, last: i == w.count - 1, c, rng: &rng)
        }
        middle = c.midBlockType == nil ? nil : UNet2DMidBlock(c, rng: &rng)
        let reversed = Array(w.reversed())
        output = reversed[0]
        up = c.upBlockTypes.enumerated().map { i, type in
            let previous = output
            output = reversed[i]
            return UNet2DUpBlock(type: type, input: reversed[Swift.min(i + 1, w.count - 1)], output: output, previousOutput: previous,
                                 last: i == w.count - 1, c, rng: &rng)
        }
        normOut = GroupNorm(groups: c.normNumGroups, channels: w[0], epsilon: Float(c.normEps))
        convOut = Conv2d(inputChannels: w[0], outputChannels: c.outChannels, kernel: 3, padding: 1, rng: &rng)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var all = (fourierWeight.map { [("time_proj.weight", $0)] } ?? [])
            + prefixed("time_embedding.linear_1", timeLinear1) + prefixed("time_embedding.linear_2", timeLinear2)
            + (classEmbedding.map { [("class_embedding.weight", $0.table)] } ?? []) + prefixed("conv_in", convIn)
        for (i, b) in down.enumerated() { all += prefixed("down_blocks.\(i)", b) }
        if let middle { all += prefixed("mid_block", middle) }
        for (i, b) in up.enumerated() { all += prefixed("up_blocks.\(i)", b) }
        return all + diffusersNamed("conv_norm_out", normOut) + prefixed("conv_out", convOut)
    }

    /// `φ(t)`, `[N, P]`: diffusers' `get_timestep_embedding` (`exp(−ln(10⁴)·i/(P/2 − freq_shift))`,
    /// `[sin, cos]`, swapped with `flip_sin_to_cos`) or `GaussianFourierProjection`
    /// (`[sin 2π w ln t, cos 2π w ln t]`, whatever `flip_sin_to_cos` says: `UNet2DModel` builds it
    /// with its own default), in Float as diffusers computes it.
    func timeProjection(_ t: [Float]) -> Tensor {
        let c = configuration
        if let fourierWeight {
            let w = fourierWeight.storage, k = w.count
            var out = [Float](repeating: 0, count: t.count * 2 * k)
            for (n, time) in t.enumerated() {
                for j in 0..<k {
                    let angle = Foundation.log(time) * w[j] * 2 * Float.pi
                    (out[n * 2 * k + j], out[n * 2 * k + k + j]) = (sin(angle), cos(angle))   // diffusers never flips this one
                }
            }
            return Tensor(shape: [t.count, 2 * k], storage: out)
        }
        let dimension = c.blockOutChannels[0], half = dimension / 2
        let frequencies = (0..<half).map { i in Foundation.exp(-Float(Foundation.log(10_000.0)) * Float(i) / (Float(half) - Float(c.freqShift))) }
        var out = [Float](repeating: 0, count: t.count * dimension)
        for (n, time) in t.enumerated() {
            for (i, f) in frequencies.enumerated() {
                let angle = time * f
                (out[n * dimension + i], out[n * dimension + half + i]) = c.flipSinToCos ? (cos(angle), sin(angle)) : (sin(angle), cos(angle))
            }
        }
        return Tensor(shape: [t.count, dimension], storage: out)
    }

    /// Class rows for `conditions`: labels as they are, `∅` the row after the last class, which a
    /// DIPP-trained model reserves for it (`num_class_embeds` = classes + 1) and an imported one
    /// lacks (runs refuse what would ask for it).
    func classRows(_ conditions: Conditions, table: Embedding) -> [Int] {
        let rows = table.table.shape[0]
        return conditions.labels.map { label in
            let row = label == Conditions.nullLabel ? classCount : label
            precondition(row >= 0 && row < rows, "UNet2D: class row \(row) is outside the model's \(rows) class embeddings (∅ needs a reserved row)")
            return row
        }
    }

    public func callAsFunction(_ input: Tensor, noiseLevel: Tensor, conditions: Conditions) -> Tensor {
        let c = configuration
        var embedding = timeLinear2(timeLinear1(timeProjection(noiseLevel.storage), activation: .silu))
        if let classEmbedding { embedding = embedding + classEmbedding(classRows(conditions, table: classEmbedding)) }
        let e = embedding.silu()
        var h = convIn((c.centerInputSample ? input * 2 - 1 : input).permuted([0, 2, 3, 1]), channelsLast: true)
        var skips = [h]
        for block in down {
            let (next, outputs) = block(channelsLast: h, activeEmbedding: e)
            h = next
            skips += outputs
        }
        if let middle { h = middle(channelsLast: h, activeEmbedding: e) }
        for block in up { h = block(channelsLast: h, skips: &skips, activeEmbedding: e) }
        let out = convOut(normOut(h, applyingSiLU: true, channelsLast: true), channelsLast: true).permuted([0, 3, 1, 2])
        guard fourierWeight != nil else { return out }
        return out / Noise.perSample(noiseLevel, rank: out.rank)
    }
}
