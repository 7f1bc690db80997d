import DIPPNN
import DIPPTensor
import Testing

/// Each layer's gradients with respect to its input and every parameter, by finite differences.
@Suite struct LayerGradientTests {
    /// Checks `layer(x)` for gradients in `x` and all parameters at once.
    func check(_ layer: some Layer, input: Tensor, _ apply: @escaping (Tensor) -> Tensor) -> GradientCheck.Report {
        let params = layer.parameters
        return GradientCheck.check([input] + params) { vars in
            // Swap the perturbed copies into the layer's parameters, run, restore.
            let saved = params.map(\.storage)
            for (p, v) in zip(params, vars.dropFirst()) { p.withMutableStorage { $0 = v.storage } }
            defer { for (p, s) in zip(params, saved) { p.withMutableStorage { $0 = s } } }
            return LayerGradientTests.rebind(apply(vars[0]), params: params, vars: Array(vars.dropFirst()))
        }
    }

    /// Routes the parameter gradients to the checker's variables: out = f(x; θ) with θ read from
    /// `params`, plus `Σ (v − sg(v))·0`-style identity links so that ∂out/∂v = ∂out/∂θ.
    static func rebind(_ out: Tensor, params: [Tensor], vars: [Tensor]) -> Tensor {
        let grads = { (g: [Float]) in Tensor.gradients(of: out, withRespectTo: params, seed: g).map(\.storage) }
        return Tensor.custom(shape: out.shape, values: out.storage, inputs: [out] + vars) { g, needed in
            let paramGrads = needed.dropFirst().contains(true) ? grads(g) : []
            return [needed[0] ? g : nil] + (0..<vars.count).map { needed[$0 + 1] ? paramGrads[$0] : nil }
        }
    }

    @Test func linear() {
        var rng = RandomStream(seed: 1)
        let layer = Linear(inputSize: 3, outputSize: 2, rng: &rng)
        let report = check(layer, input: Tensor.randomNormal([4, 3], using: &rng)) { layer($0) }
        #expect(report.passed, "\(report)")
    }

    @Test func mlp() {
        var rng = RandomStream(seed: 2)
        let layer = MLP(sizes: [2, 5, 5, 1], activation: .silu, rng: &rng)
        #expect(layer.namedParameters.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"])
        let report = check(layer, input: Tensor.randomNormal([3, 2], using: &rng)) { layer($0) }
        #expect(report.passed, "\(report)")
    }

    @Test func conv2d() {
        var rng = RandomStream(seed: 3)
        let layer = Conv2d(inputChannels: 2, outputChannels: 3, kernel: 3, padding: 1, rng: &rng)
        let report = check(layer, input: Tensor.randomNormal([2, 2, 4, 4], using: &rng)) { layer($0) }
        #expect(report.passed, "\(report)")
    }

    @Test func norms() {
        var rng = RandomStream(seed: 4)
        let ln = LayerNorm(size: 4)
        ln.scale.withMutableStorage { $0 = [1, 2, -1, 0.5] }
        let r1 = check(ln, input: Tensor.randomNormal([3, 4], using: &rng)) { ln($0) }
        #expect(r1.passed, "\(r1)")
        let gn = GroupNorm(groups: 2, channels: 4)
        gn.shift.withMutableStorage { $0 = [0.1, -0.2, 0.3, 0] }
        let r2 = check(gn, input: Tensor.randomNormal([2, 4, 2, 2], using: &rng)) { gn($0) }
        #expect(r2.passed, "\(r2)")
    }

    @Test func embeddingAndFourierFeatures() {
        var rng = RandomStream(seed: 5)
        let emb = Embedding(count: 4, dimension: 3, rng: &rng)
        let r1 = check(emb, input: Tensor.zeros([1])) { _ in emb([3, 0, 3]) }
        #expect(r1.passed, "\(r1)")
        let features = FourierFeatures(positionalDimension: 6)
        #expect(features.namedParameters.isEmpty)
        let r2 = GradientCheck.check([Tensor(shape: [3], storage: [0.3, -1.2, 2.0])]) { features($0[0]) }
        #expect(r2.passed, "\(r2)")
        let y = features(Tensor(shape: [1], storage: [0]))
        #expect(y.storage == [1, 1, 1, 0, 0, 0])
        let random = FourierFeatures(randomDimension: 8, scale: 1, rng: &rng)
        #expect(random(Tensor(shape: [2], storage: [0.1, 0.2])).shape == [2, 8])
    }
}
