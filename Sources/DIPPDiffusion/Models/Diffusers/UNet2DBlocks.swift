import DIPPNN
import DIPPTensor

// The blocks of diffusers' UNet2DModel on channels-last activations `[N, H, W, C]`, their
// parameters named as diffusers names them (`norm1.weight`, `to_q.bias`, …). DIPP's `Linear`
// stores `W` as `[in, out]`, PyTorch as `[out, in]`: ``DiffusersWeights`` transposes them.

/// Parameters under diffusers' names for a group norm (`weight`, `bias`).
func diffusersNamed(_ prefix: String, _ norm: GroupNorm) -> [(name: String, tensor: Tensor)] {
    [("\(prefix).weight", norm.scale), ("\(prefix).bias", norm.shift)]
}

/// `ResnetBlock2D`: `h = conv1(SiLU(GN₁(x)))`, then with the `default` time embedding
/// `h = conv2(SiLU(GN₂(h + W·SiLU(temb))))`, with `scale_shift`
/// `[s, b] = W·SiLU(temb)`, `h = conv2(SiLU(GN₂(h)·(1 + s) + b))`; the output is
/// `(shortcut(x) + h)/output_scale_factor`, the shortcut a 1×1 convolution when widths differ.
struct UNet2DResnetBlock: Layer {
    let norm1: GroupNorm, conv1: Conv2d, timeProjection: Linear, norm2: GroupNorm, conv2: Conv2d
    let shortcut: Conv2d?
    let scaleShift: Bool
    let outputScale: Float

    init(_ input: Int, _ output: Int, _ c: UNet2DConfiguration, outputScale: Double = 1, rng: inout RandomStream) {
        let eps = Float(c.normEps)
        norm1 = GroupNorm(groups: c.normNumGroups, channels: input, epsilon: eps)
        conv1 = Conv2d(inputChannels: input, outputChannels: output, kernel: 3, padding: 1, rng: &rng)
        scaleShift = c.resnetTimeScaleShift == "scale_shift"
        timeProjection = Linear(inputSize: c.timeEmbeddingWidth, outputSize: scaleShift ? 2 * output : output, rng: &rng)
        norm2 = GroupNorm(groups: c.normNumGroups, channels: output, epsilon: eps)
        conv2 = Conv2d(inputChannels: output, outputChannels: output, kernel: 3, padding: 1, rng: &rng)
        shortcut = input == output ? nil : Conv2d(inputChannels: input, outputChannels: output, kernel: 1, rng: &rng)
        self.outputScale = Float(outputScale)
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        diffusersNamed("norm1", norm1) + prefixed("conv1", conv1) + prefixed("time_emb_proj", timeProjection)
            + diffusersNamed("norm2", norm2) + prefixed("conv2", conv2) + (shortcut.map { prefixed("conv_shortcut", $0) } ?? [])
    }

    /// `activeEmbedding` is `SiLU(temb)`, `[N, E]`.
    func callAsFunction(channelsLast x: Tensor, activeEmbedding: Tensor) -> Tensor {
        let h = conv1(norm1(x, applyingSiLU: true, channelsLast: true), channelsLast: true)
        let projected = timeProjection(activeEmbedding)
        let normed: Tensor
        if scaleShift {
            let width = norm2.scale.count, n = x.shape[0]
            let parts = projected.split(axis: 1, sizes: [width, width])
            let (scale, shift) = (parts[0].reshaped([n, 1, 1, width]), parts[1].reshaped([n, 1, 1, width]))
            normed = (norm2(h, applyingSiLU: false, channelsLast: true) * (scale + 1) + shift).silu()
        } else {
            normed = norm2(h, applyingSiLU: true, channelsLast: true, offset: projected)
        }
        let out = conv2(normed, channelsLast: true) + (shortcut.map { $0(x, channelsLast: true) } ?? x)
        return outputScale == 1 ? out : out * (1 / outputScale)
    }
}

/// diffusers' `Attention` as the U-Net uses it (`_from_deprecated_attn_block`): over the `H·W`
/// positions, `x + to_out(MHA(to_q(n), to_k(n), to_v(n)))` with `n = GN(x)` (or `x` where the
/// block has no norm), divided by `rescale_output_factor`; heads of `attention_head_dim` channels.
struct UNet2DAttention: Layer {
    let norm: GroupNorm?
    let query: Linear, key: Linear, value: Linear, output: Linear
    let heads: Int
    let outputScale: Float

    init(_ channels: Int, headDim: Int, groups: Int?, _ c: UNet2DConfiguration, outputScale: Double = 1, rng: inout RandomStream) {
        norm = groups.map { GroupNorm(groups: $0, channels: channels, epsilon: Float(c.normEps)) }
        query = Linear(inputSize: channels, outputSize: channels, rng: &rng)
        key = Linear(inputSize: channels, outputSize: channels, rng: &rng)
        value = Linear(inputSize: channels, outputSize: channels, rng: &rng)
        output = Linear(inputSize: channels, outputSize: channels, rng: &rng)
        heads = channels / headDim
        self.outputScale = Float(outputScale)
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        (norm.map { diffusersNamed("group_norm", $0) } ?? []) + prefixed("to_q", query) + prefixed("to_k", key)
            + prefixed("to_v", value) + prefixed("to_out.0", output)
    }

    func callAsFunction(channelsLast x: Tensor) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let tokens = (norm.map { $0(x, applyingSiLU: false, channelsLast: true) } ?? x).reshaped([n, h * w, c])
        func split(_ t: Tensor) -> Tensor { t.reshaped([n, h * w, heads, c / heads]).permuted([0, 2, 1, 3]) }
        let attended = Tensor.attention(query: split(query(tokens)), key: split(key(tokens)), value: split(value(tokens)))
        let out = output(attended.permuted([0, 2, 1, 3]).reshaped([n, h * w, c])).reshaped([n, h, w, c]) + x
        return outputScale == 1 ? out : out * (1 / outputScale)
    }
}

/// `DownBlock2D` / `AttnDownBlock2D`: `layers_per_block` resnets (each followed by attention in
/// the `Attn` kind), then a stride-2 3×3 convolution unless it is the last block — padded by 1
/// on every side (`downsample_padding` 1), or by one zero row and column at the bottom and right
/// (`downsample_padding` 0, the original DDPM's). Every intermediate output is kept for the up
/// path's skips.
struct UNet2DDownBlock: Layer {
    let resnets: [UNet2DResnetBlock]
    let attentions: [UNet2DAttention]
    let downsample: Conv2d?
    let padsBottomRight: Bool

    init(type: String, input: Int, output: Int, last: Bool, _ c: UNet2DConfiguration, rng: inout RandomStream) {
        padsBottomRight = c.downsamplePadding == 0
        resnets = (0..<c.layersPerBlock).map { i in UNet2DResnetBlock(i == 0 ? input : output, output, c, rng: &rng) }
        attentions = type == "AttnDownBlock2D"
            ? (0..<c.layersPerBlock).map { _ in UNet2DAttention(output, headDim: c.attentionHeadDim ?? output, groups: c.normNumGroups, c, rng: &rng) } : []
        downsample = last ? nil : Conv2d(inputChannels: output, outputChannels: output, kernel: 3, stride: 2, padding: c.downsamplePadding, rng: &rng)
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        var all: [(name: String, tensor: Tensor)] = []
        for (i, r) in resnets.enumerated() { all += prefixed("resnets.\(i)", r) }
        for (i, a) in attentions.enumerated() { all += prefixed("attentions.\(i)", a) }
        return all + (downsample.map { prefixed("downsamplers.0.conv", $0) } ?? [])
    }

    func callAsFunction(channelsLast x: Tensor, activeEmbedding e: Tensor) -> (Tensor, [Tensor]) {
        var h = x, outputs: [Tensor] = []
        for (i, resnet) in resnets.enumerated() {
            h = resnet(channelsLast: h, activeEmbedding: e)
            if !attentions.isEmpty { h = attentions[i](channelsLast: h) }
            outputs.append(h)
        }
        if let downsample {
            if padsBottomRight {
                let (n, height, width, c) = (h.shape[0], h.shape[1], h.shape[2], h.shape[3])
                h = Tensor.concat([h, Tensor.zeros([n, 1, width, c])], axis: 1)
                h = Tensor.concat([h, Tensor.zeros([n, height + 1, 1, c])], axis: 2)
            }
            h = downsample(h, channelsLast: true)
            outputs.append(h)
        }
        return (h, outputs)
    }
}

/// `UpBlock2D` / `AttnUpBlock2D`: `layers_per_block + 1` resnets, each on the running
/// activations concatenated with the newest remaining skip (channels last), each followed by
/// attention in the `Attn` kind; then ×2 nearest upsampling and a 3×3 convolution unless it is
/// the last block.
struct UNet2DUpBlock: Layer {
    let resnets: [UNet2DResnetBlock]
    let attentions: [UNet2DAttention]
    let upsample: Conv2d?

    init(type: String, input: Int, output: Int, previousOutput: Int, last: Bool, _ c: UNet2DConfiguration, rng: inout RandomStream) {
        let layers = c.layersPerBlock + 1
        resnets = (0..<layers).map { i in
            let skip = i == layers - 1 ? input : output
            return UNet2DResnetBlock((i == 0 ? previousOutput : output) + skip, output, c, rng: &rng)
        }
        attentions = type == "AttnUpBlock2D"
            ? (0..<layers).map { _ in UNet2DAttention(output, headDim: c.attentionHeadDim ?? output, groups: c.normNumGroups, c, rng: &rng) } : []
        upsample = last ? nil : Conv2d(inputChannels: output, outputChannels: output, kernel: 3, padding: 1, rng: &rng)
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        var all: [(name: String, tensor: Tensor)] = []
        for (i, r) in resnets.enumerated() { all += prefixed("resnets.\(i)", r) }
        for (i, a) in attentions.enumerated() { all += prefixed("attentions.\(i)", a) }
        return all + (upsample.map { prefixed("upsamplers.0.conv", $0) } ?? [])
    }

    /// Pops one skip per resnet from the end of `skips`.
    func callAsFunction(channelsLast x: Tensor, skips: inout [Tensor], activeEmbedding e: Tensor) -> Tensor {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            h = resnet(channelsLast: Tensor.concat([h, skips.removeLast()], axis: 3), activeEmbedding: e)
            if !attentions.isEmpty { h = attentions[i](channelsLast: h) }
        }
        if let upsample { h = upsample(h.upsampledNearestChannelsLast(factor: 2), channelsLast: true) }
        return h
    }
}

/// `UNetMidBlock2D`: resnet, attention (when `add_attention`), resnet, all scaled by
/// `mid_block_scale_factor`. Its attention has a group norm of `attn_norm_num_groups`, which
/// defaults to `norm_num_groups` with the `default` time embedding and to none with `scale_shift`.
struct UNet2DMidBlock: Layer {
    let first: UNet2DResnetBlock, attention: UNet2DAttention?, second: UNet2DResnetBlock

    init(_ c: UNet2DConfiguration, rng: inout RandomStream) {
        let width = c.blockOutChannels[c.blockOutChannels.count - 1], scale = c.midBlockScaleFactor
        first = UNet2DResnetBlock(width, width, c, outputScale: scale, rng: &rng)
        let groups = c.attnNormNumGroups ?? (c.resnetTimeScaleShift == "default" ? c.normNumGroups : nil)
        attention = c.addAttention ? UNet2DAttention(width, headDim: c.attentionHeadDim ?? width, groups: groups, c, outputScale: scale, rng: &rng) : nil
        second = UNet2DResnetBlock(width, width, c, outputScale: scale, rng: &rng)
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("resnets.0", first) + (attention.map { prefixed("attentions.0", $0) } ?? []) + prefixed("resnets.1", second)
    }

    func callAsFunction(channelsLast x: Tensor, activeEmbedding e: Tensor) -> Tensor {
        var h = first(channelsLast: x, activeEmbedding: e)
        if let attention { h = attention(channelsLast: h) }
        return second(channelsLast: h, activeEmbedding: e)
    }
}
