import DIPPNN
import DIPPTensor
import Foundation
import Testing

/// A seeded end-to-end regression: an MLP fits a fixed smooth function.
@Suite struct TrainingTests {
    /// Target `y = sin(2x₁) + ½x₂²` on 256 points of `U[−1.5, 1.5]²`. The target's variance is
    /// ≈ 0.57; a [2, 32, 32, 1] SiLU MLP trained full-batch with Adam (lr 1e-2, 400 steps) must
    /// reach MSE < 2e-3 — 0.35% of the variance.
    @Test func mlpFitsRegressionProblem() {
        var rng = RandomStream(seed: 17)
        let n = 256
        let xs = rng.uniform(2 * n, in: -1.5...1.5)
        let ys: [Float] = (0..<n).map { (i: Int) -> Float in
            let (x1, x2) = (xs[2 * i], xs[2 * i + 1])
            return Foundation.sin(2 * x1) + 0.5 * x2 * x2
        }
        let x = Tensor(shape: [n, 2], storage: xs), y = Tensor(shape: [n, 1], storage: ys)
        let model = MLP(sizes: [2, 32, 32, 1], activation: .silu, rng: &rng)
        var adam = Adam(.init(learningRate: 1e-2))
        let initial = (model(x) - y).square().mean().scalar
        var loss: Float = 0
        for _ in 0..<400 {
            let l = (model(x) - y).square().mean()
            loss = l.scalar
            adam.update(model.parameters, along: Tensor.gradients(of: l, withRespectTo: model.parameters))
        }
        #expect(initial > 0.3)
        #expect(loss < 2e-3, "final MSE \(loss)")
    }

    @Test func stateDictionaryRoundTripThroughSafeTensors() throws {
        var rng = RandomStream(seed: 3)
        let a = MLP(sizes: [3, 4, 2], rng: &rng), b = MLP(sizes: [3, 4, 2], rng: &rng)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-mlp-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(a.stateDictionary(), to: url)
        try b.load(SafeTensors.read(contentsOf: url).tensors)
        #expect(zip(a.parameters, b.parameters).allSatisfy { $0.storage == $1.storage })
        let wrong = MLP(sizes: [3, 5, 2], rng: &rng)
        let before = wrong.parameters.map(\.storage)
        #expect(throws: LayerLoadError.self) { try wrong.load(a.stateDictionary()) }
        #expect(wrong.parameters.map(\.storage) == before, "a failed load changes nothing")
    }
}
