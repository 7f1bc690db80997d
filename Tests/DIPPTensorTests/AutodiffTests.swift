import DIPPTensor
import Testing

/// The tape's contract: gradients with respect to inputs and parameters, stop-gradient, the
/// no-grad scope, custom nodes, and accumulation into leaves.
@Suite struct AutodiffTests {
    @Test func customNodeJoinsTheGraph() {
        // A "foreign" cube: forward and VJP supplied from outside the op library.
        func cube(_ x: Tensor) -> Tensor {
            let xs = x.storage
            return Tensor.custom(shape: x.shape, values: xs.map { $0 * $0 * $0 }, inputs: [x]) { g, _ in
                [zip(g, xs).map { $0 * 3 * $1 * $1 }]
            }
        }
        let report = GradientCheck.check([TestInputs.normal([2, 3], seed: 91)]) { (cube($0[0]) * 2).sin() }
        #expect(report.passed, "\(report)")
    }

    @Test func detachedStopsGradients() {
        let x = Tensor(shape: [2], storage: [1, 2], requiresGrad: true)
        // L = Σ x·sg(x): dL/dx = sg(x) = x (not 2x).
        let g = Tensor.gradients(of: (x * x.detached()).sum(), withRespectTo: [x])[0]
        #expect(g.storage == [1, 2])
        #expect(!x.detached().isTracked)
    }

    @Test func noGradScopeRecordsNothing() {
        let x = Tensor(shape: [2], storage: [1, 2], requiresGrad: true)
        let y = withoutGradients { x * 3 }
        #expect(!y.isTracked)
        #expect(y.storage == [3, 6])
        #expect((x * 3).isTracked)
    }

    @Test func gradientWithRespectToIntermediateAndUnusedInputs() {
        let x = Tensor(shape: [2], storage: [1, 2], requiresGrad: true)
        let unused = Tensor(shape: [3], storage: [1, 1, 1], requiresGrad: true)
        let h = x * 2
        let y = (h * h).sum()
        let grads = Tensor.gradients(of: y, withRespectTo: [h, x, unused])
        #expect(grads[0].storage == [4, 8])   // dy/dh = 2h
        #expect(grads[1].storage == [8, 16])  // dy/dx = 8x
        #expect(grads[2].storage == [0, 0, 0])
    }

    @Test func backwardAccumulatesIntoLeaves() {
        let w = Tensor(shape: [2], storage: [3, -1], requiresGrad: true)
        (w * w).sum().backward()
        #expect(w.grad?.storage == [6, -2])
        (w * 2).sum().backward()
        #expect(w.grad?.storage == [8, 0])
        w.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test func deepChainDoesNotOverflowTheStack() {
        let x = Tensor(shape: [1], storage: [1], requiresGrad: true)
        var y = x
        for _ in 0..<5_000 { y = y * 1.0 }
        #expect(Tensor.gradients(of: y, withRespectTo: [x])[0].storage == [1])
    }
}
