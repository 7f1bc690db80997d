import DIPPTensor
import Testing

/// Finite-difference checks of the broadcasting arithmetic, over shape pairs that exercise
/// every broadcasting path: equal shapes, scalars, suffix broadcasts, size-1 axes on both sides.
@Suite struct ArithmeticGradientTests {
    static let shapePairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([2, 3], [3]), ([2, 3], [1]), ([], [2, 2]), ([4, 1, 3], [2, 1]),
        ([1], [3, 2]), ([2, 1, 3], [1, 4, 1]), ([3, 1], [1, 3]), ([1, 1], [1]), ([2, 3, 2, 2], [1, 3, 1, 1]), ([2, 3, 2], [2, 3, 1]),
    ]

    @Test(arguments: shapePairs)
    func add(_ shapes: ([Int], [Int])) {
        let report = GradientCheck.check([TestInputs.normal(shapes.0, seed: 1), TestInputs.normal(shapes.1, seed: 2)]) { $0[0] + $0[1] }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: shapePairs)
    func subtract(_ shapes: ([Int], [Int])) {
        let report = GradientCheck.check([TestInputs.normal(shapes.0, seed: 3), TestInputs.normal(shapes.1, seed: 4)]) { $0[0] - $0[1] }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: shapePairs)
    func multiply(_ shapes: ([Int], [Int])) {
        let report = GradientCheck.check([TestInputs.normal(shapes.0, seed: 5), TestInputs.normal(shapes.1, seed: 6)]) { $0[0] * $0[1] }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: shapePairs)
    func divide(_ shapes: ([Int], [Int])) {
        // Denominators kept in ±[0.7, 2.7] so the quotient is smooth at the finite-difference scale.
        let report = GradientCheck.check([TestInputs.normal(shapes.0, seed: 7),
                                          TestInputs.uniform(shapes.1, 0.7...2.7, seed: 8)]) { $0[0] / ($0[1] * -1) }
        #expect(report.passed, "\(report)")
    }

    @Test func scalarOperandsAndNegation() {
        let report = GradientCheck.check([TestInputs.uniform([2, 3], 0.5...2, seed: 9)]) { x in
            -((2 + x[0]) * 3 - 1) / 4 + 1 / x[0] - (5 - x[0])
        }
        #expect(report.passed, "\(report)")
    }

    @Test func forwardValuesBroadcast() {
        let a = Tensor(shape: [2, 1, 3], storage: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [2, 1], storage: [10, 20])
        let y = a + b
        #expect(y.shape == [2, 2, 3])
        #expect(y.storage == [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26])
        #expect((a / Tensor(2)).storage == [0.5, 1, 1.5, 2, 2.5, 3])
    }

    @Test func gradientAccumulatesOverReuse() {
        // y = x·x + x  →  dy/dx = 2x + 1.
        let x = Tensor(shape: [3], storage: [1, -2, 0.5], requiresGrad: true)
        let g = Tensor.gradients(of: (x * x + x).sum(), withRespectTo: [x])[0]
        #expect(g.storage == [3, -3, 2])
    }

    /// Broadcasts large enough to be split across threads (a per-channel `[1, C, 1, 1]`, a row
    /// `[n]` on either side) give, bit for bit, what a plain loop gives: values, and the
    /// broadcast operand's gradient summed in the same order.
    @Test(arguments: [([4, 64, 16, 16], [1, 64, 1, 1]), ([512, 256], [256]), ([256], [512, 256])])
    func largeBroadcastsEqualPlainLoops(_ shapes: ([Int], [Int])) {
        let a = Tensor(shape: shapes.0, storage: TestInputs.normal(shapes.0, seed: 31).storage, requiresGrad: true)
        let b = Tensor(shape: shapes.1, storage: TestInputs.normal(shapes.1, seed: 32).storage, requiresGrad: true)
        let y = a * b
        let out = y.shape, n = y.count
        let g = TestInputs.normal(out, seed: 33).storage
        let grads = Tensor.gradients(of: y, withRespectTo: [a, b], seed: g)
        // Plain loops over output elements, with each operand's index by its broadcast rule.
        let (big, small) = a.count == n ? (a, b) : (b, a)
        let period = small.count, inner = small.rank == 4 ? out[2] * out[3] : 1
        let index = { (i: Int) in small.rank == 4 ? (i / inner) % period : i % period }
        var expected = [Float](repeating: 0, count: n), smallGrad = [Float](repeating: 0, count: period)
        for i in 0..<n {
            expected[i] = big.storage[i] * small.storage[index(i)]
        }
        // The sum over each broadcast block first, then blocks in order (the kernels' order).
        var blockTotal: Float = 0
        for i in 0..<n {
            blockTotal += g[i] * big.storage[i]
            if small.rank != 4 || (i + 1) % inner == 0 {
                smallGrad[index(i)] += blockTotal
                blockTotal = 0
            }
        }
        #expect(y.storage == expected)
        #expect(grads[a.count == n ? 1 : 0].storage == smallGrad)
    }
}
