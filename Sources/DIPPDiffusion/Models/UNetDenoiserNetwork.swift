import DIPPNN
import DIPPTensor

/// `F(x_in, c_noise, c)` for `[C, H, W]` images (H, W divisible by 4): a small U-Net.
///
/// Three resolutions (full, ½, ¼) with one residual block each on the way down and up,
/// stride-2 convolutions down, nearest upsampling + skip concatenation up. Each residual block
/// is `GN → SiLU → conv3 → + Linear(emb) → GN → SiLU → conv3`, plus the input (1×1 conv when
/// widths differ); `emb = MLP([φ(c_noise), e(c)])` carries noise level and condition (``ConditionEncoder``).
public struct UNetDenoiserNetwork: DenoiserNetwork {
    public let features: FourierFeatures
    public let conditionEncoder: ConditionEncoder
    public let embeddingMLP: MLP
    public let inputConv: Conv2d
    public let down: [ResidualBlock]
    public let downsample: [Conv2d]
    public let middle: ResidualBlock
    public let up: [ResidualBlock]
    public let outputNorm: GroupNorm
    public let outputConv: Conv2d

    public init(_ configuration: DenoiserConfiguration, rng: inout RandomStream) {
        let c = configuration
        precondition(c.sampleShape.count == 3 && c.channels.count == 3, "the U-Net needs [C,H,W] samples and 3 channel widths")
        let (imageChannels, w) = (c.sampleShape[0], c.channels)
        let embedding = 4 * w[0]
        features = FourierFeatures(positionalDimension: c.noiseFeatures, maxPositions: 100)
        conditionEncoder = ConditionEncoder(c, rng: &rng)
        embeddingMLP = MLP(sizes: [c.noiseFeatures + c.embeddingDimension, embedding, embedding], activation: .silu, rng: &rng)
        inputConv = Conv2d(inputChannels: imageChannels, outputChannels: w[0], kernel: 3, padding: 1, rng: &rng)
        down = [ResidualBlock(w[0], w[0], embedding: embedding, rng: &rng),
                ResidualBlock(w[0], w[1], embedding: embedding, rng: &rng)]
        downsample = [Conv2d(inputChannels: w[0], outputChannels: w[0], kernel: 3, stride: 2, padding: 1, rng: &rng),
                      Conv2d(inputChannels: w[1], outputChannels: w[1], kernel: 3, stride: 2, padding: 1, rng: &rng)]
        middle = ResidualBlock(w[1], w[2], embedding: embedding, rng: &rng)
        up = [ResidualBlock(w[2] + w[1], w[1], embedding: embedding, rng: &rng),
              ResidualBlock(w[1] + w[0], w[0], embedding: embedding, rng: &rng)]
        outputNorm = GroupNorm(groups: min(8, w[0]), channels: w[0])
        outputConv = Conv2d(inputChannels: w[0], outputChannels: imageChannels, kernel: 3, padding: 1, rng: &rng)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var all = conditionEncoder.namedParameters + prefixed("embedding_mlp", embeddingMLP) + prefixed("input_conv", inputConv)
        for (i, b) in down.enumerated() { all += prefixed("down.\(i)", b) }
        for (i, d) in downsample.enumerated() { all += prefixed("downsample.\(i)", d) }
        all += prefixed("middle", middle)
        for (i, b) in up.enumerated() { all += prefixed("up.\(i)", b) }
        return all + prefixed("output_norm", outputNorm) + prefixed("output_conv", outputConv)
    }

    /// Between the input and the output the activations are channels-last, `[N, H, W, C]`: the
    /// layout oneDNN's convolution kernels run on, so no convolution reorders them (in fp32; in
    /// bf16 they are converted).
    public func callAsFunction(_ input: Tensor, noiseLevel: Tensor, conditions: Conditions) -> Tensor {
        let e = embeddingMLP(Tensor.concat([features(noiseLevel), conditionEncoder(conditions)], axis: 1)).silu()
        let x = input.permuted([0, 2, 3, 1])
        let h0 = down[0](channelsLast: inputConv(x, channelsLast: true), embedding: e)            // full resolution
        let h1 = down[1](channelsLast: downsample[0](h0, channelsLast: true), embedding: e)       // ½
        let h2 = middle(channelsLast: downsample[1](h1, channelsLast: true), embedding: e)        // ¼
        let u1 = up[0](channelsLast: Tensor.concat([h2.upsampledNearestChannelsLast(factor: 2), h1], axis: 3), embedding: e)
        let u0 = up[1](channelsLast: Tensor.concat([u1.upsampledNearestChannelsLast(factor: 2), h0], axis: 3), embedding: e)
        return outputConv(outputNorm(u0, applyingSiLU: true, channelsLast: true), channelsLast: true).permuted([0, 3, 1, 2])
    }
}

/// A residual block conditioned on an embedding vector (added per channel), on channels-last
/// activations `[N, H, W, C]` (the argument label says so at every call).
public struct ResidualBlock: Layer {
    public let norm1: GroupNorm
    public let conv1: Conv2d
    public let embeddingProjection: Linear
    public let norm2: GroupNorm
    public let conv2: Conv2d
    public let skip: Conv2d?

    public init(_ inputChannels: Int, _ outputChannels: Int, embedding: Int, rng: inout RandomStream) {
        norm1 = GroupNorm(groups: ResidualBlock.groups(inputChannels), channels: inputChannels)
        conv1 = Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernel: 3, padding: 1, rng: &rng)
        embeddingProjection = Linear(inputSize: embedding, outputSize: outputChannels, rng: &rng)
        norm2 = GroupNorm(groups: ResidualBlock.groups(outputChannels), channels: outputChannels)
        conv2 = Conv2d(inputChannels: outputChannels, outputChannels: outputChannels, kernel: 3, padding: 1, rng: &rng)
        skip = inputChannels == outputChannels ? nil
            : Conv2d(inputChannels: inputChannels, outputChannels: outputChannels, kernel: 1, rng: &rng)
    }

    static func groups(_ channels: Int) -> Int { channels % 8 == 0 ? 8 : 1 }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("norm1", norm1) + prefixed("conv1", conv1) + prefixed("embedding_projection", embeddingProjection)
            + prefixed("norm2", norm2) + prefixed("conv2", conv2) + (skip.map { prefixed("skip", $0) } ?? [])
    }

    /// The block on channels-last `x` (`[N, H, W, C]`). The embedding's projection is added to
    /// `conv1`'s output inside `norm2`'s pass (its `offset`).
    public func callAsFunction(channelsLast x: Tensor, embedding: Tensor) -> Tensor {
        let h = conv1(norm1(x, applyingSiLU: true, channelsLast: true), channelsLast: true)
        let out = conv2(norm2(h, applyingSiLU: true, channelsLast: true, offset: embeddingProjection(embedding)), channelsLast: true)
        return out + (skip.map { $0(x, channelsLast: true) } ?? x)
    }
}
