import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Testing

/// The U-Net runs its activations channels-last; this pins that it is the same function of the
/// same weights as the network written with NCHW ops (so checkpoints keep their meaning), in
/// its output and in every parameter's gradient.
@Suite struct UNetLayoutTests {
    /// The U-Net of `network` evaluated with NCHW convolutions, separate normalisation, scale,
    /// shift, SiLU and a broadcast embedding add, as it was written before the channels-last path.
    static func nchwReference(_ u: UNetDenoiserNetwork, _ input: Tensor, noiseLevel: Tensor, conditions: Conditions) -> Tensor {
        func conv(_ c: Conv2d, _ x: Tensor) -> Tensor {
            x.conv2d(c.weight, stride: c.stride, padding: c.padding) + c.bias.reshaped([1, c.bias.count, 1, 1])
        }
        func norm(_ n: GroupNorm, _ x: Tensor) -> Tensor {
            let c = n.scale.count
            return (x.groupNormalized(groups: n.groups, epsilon: n.epsilon) * n.scale.reshaped([1, c, 1, 1]) + n.shift.reshaped([1, c, 1, 1])).silu()
        }
        func block(_ b: ResidualBlock, _ x: Tensor, _ e: Tensor) -> Tensor {
            let channels = b.conv1.weight.shape[0]
            var h = conv(b.conv1, norm(b.norm1, x))
            h = h + b.embeddingProjection(e).reshaped([x.shape[0], channels, 1, 1])
            h = conv(b.conv2, norm(b.norm2, h))
            return h + (b.skip.map { conv($0, x) } ?? x)
        }
        let e = u.embeddingMLP(Tensor.concat([u.features(noiseLevel), u.conditionEncoder(conditions)], axis: 1)).silu()
        let h0 = block(u.down[0], conv(u.inputConv, input), e)
        let h1 = block(u.down[1], conv(u.downsample[0], h0), e)
        let h2 = block(u.middle, conv(u.downsample[1], h1), e)
        let u1 = block(u.up[0], Tensor.concat([h2.upsampledNearest(factor: 2), h1], axis: 1), e)
        let u0 = block(u.up[1], Tensor.concat([u1.upsampledNearest(factor: 2), h0], axis: 1), e)
        return conv(u.outputConv, norm(u.outputNorm, u0))
    }

    @Test(arguments: [[1, 8, 8], [3, 12, 8]])
    func channelsLastNetworkEqualsNCHWComposition(_ sampleShape: [Int]) {
        var rng = RandomStream(seed: 5)
        let configuration = DenoiserConfiguration(architecture: "unet", sampleShape: sampleShape, classCount: 3, embeddingDimension: 8,
                                                  noiseFeatures: 8, channels: [16, 32, 24])
        let network = UNetDenoiserNetwork(configuration, rng: &rng)
        let input = Tensor(shape: [2] + sampleShape, storage: rng.normal(2 * Shape.count(sampleShape)), requiresGrad: true)
        let noise = Tensor(shape: [2], storage: [-0.5, 0.7]), conditions = Conditions(labels: [0, 2])
        // The input's gradient too: DI++ sends generator samples through the teacher and TA.
        let parameters = network.namedParameters.map(\.tensor) + [input]
        let y = network(input, noiseLevel: noise, conditions: conditions)
        let reference = Self.nchwReference(network, input, noiseLevel: noise, conditions: conditions)
        #expect(y.shape == [2] + sampleShape)
        let worstValue = zip(y.storage, reference.storage).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worstValue < 1e-4, "output differs by \(worstValue)")
        let seed = rng.normal(y.count)
        let (g, gr) = (Tensor.gradients(of: y, withRespectTo: parameters, seed: seed),
                       Tensor.gradients(of: reference, withRespectTo: parameters, seed: seed))
        for (name, (a, b)) in zip(network.namedParameters.map(\.name) + ["input"], zip(g, gr)) {
            let scale = 1 + (b.storage.map { Swift.abs($0) }.max() ?? 0)
            let worst = zip(a.storage, b.storage).map { Swift.abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * scale, "\(name): gradients differ by \(worst) (scale \(scale))")
        }
    }
}
