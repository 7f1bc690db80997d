import DIPPTensor
import Testing

/// Finite-difference checks of the matrix products (plain, batched, shared right operand),
/// including size-1 extents.
@Suite struct MatMulGradientTests {
    static let shapes: [([Int], [Int])] = [
        ([3, 4], [4, 5]), ([1, 4], [4, 1]), ([4, 1], [1, 3]), ([2, 3, 4], [2, 4, 2]), ([2, 3, 4], [4, 5]), ([1, 1, 2], [1, 2, 1]),
    ]

    @Test(arguments: shapes)
    func gradient(_ s: ([Int], [Int])) {
        let report = GradientCheck.check([TestInputs.normal(s.0, seed: 51), TestInputs.normal(s.1, seed: 52)]) { $0[0].matmul($0[1]) }
        #expect(report.passed, "\(s): \(report)")
    }

    /// `A·Bᵀ` batched: gradients, and the values of `matmul` with `B` transposed.
    @Test(arguments: [([2, 3, 4], [2, 5, 4]), ([1, 1, 2], [1, 1, 2]), ([3, 4, 6], [3, 4, 6])])
    func transposedRightOperand(_ s: ([Int], [Int])) {
        let (a, b) = (TestInputs.normal(s.0, seed: 53), TestInputs.normal(s.1, seed: 54))
        let report = GradientCheck.check([a, b]) { $0[0].matmulTransposed($0[1]) }
        #expect(report.passed, "\(s): \(report)")
        let want = a.matmul(b.transposed(1, 2)).storage
        #expect(zip(a.matmulTransposed(b).storage, want).allSatisfy { abs($0 - $1) <= 1e-5 * Swift.max(1, abs($1)) })
    }

    @Test func values() {
        let a = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], storage: [7, 8, 9, 10, 11, 12])
        #expect(a.matmul(b).storage == [58, 64, 139, 154])
        let batched = Tensor.concat([a.reshaped([1, 2, 3]), (a * 2).reshaped([1, 2, 3])], axis: 0)
        let bb = Tensor.concat([b.reshaped([1, 3, 2]), b.reshaped([1, 3, 2])], axis: 0)
        #expect(batched.matmul(bb).storage == [58, 64, 139, 154, 116, 128, 278, 308])
    }
}

/// The fused dense layer `silu(x·W + b)` (``Tensor/linear(_:bias:applyingSiLU:)``): finite
/// differences, and the same values as the ops it fuses.
@Suite struct LinearGradientTests {
    static let cases: [([Int], [Int], Bool, Bool)] = [
        ([5, 4], [4, 3], true, true), ([5, 4], [4, 3], true, false), ([5, 4], [4, 3], false, true),
        ([2, 3, 4], [4, 2], true, true), ([1, 1], [1, 1], true, true), ([300, 3], [3, 2], true, true),
    ]

    @Test(arguments: cases)
    func gradient(_ c: ([Int], [Int], Bool, Bool)) {
        let (xShape, wShape, hasBias, silu) = c
        var inputs = [TestInputs.normal(xShape, seed: 61), TestInputs.normal(wShape, seed: 62)]
        if hasBias { inputs.append(TestInputs.normal([wShape[1]], seed: 63)) }
        let report = GradientCheck.check(inputs) { $0[0].linear($0[1], bias: hasBias ? $0[2] : nil, applyingSiLU: silu) }
        #expect(report.passed, "\(c): \(report)")
    }

    /// 300 rows span three blocks of the bias gradient's partial sums.
    @Test func equalsTheUnfusedOps() {
        let x = TestInputs.normal([300, 7], seed: 64), w = TestInputs.normal([7, 5], seed: 65), b = TestInputs.normal([5], seed: 66)
        let (xv, wv, bv) = (Tensor(shape: x.shape, storage: x.storage, requiresGrad: true),
                            Tensor(shape: w.shape, storage: w.storage, requiresGrad: true),
                            Tensor(shape: b.shape, storage: b.storage, requiresGrad: true))
        let seed = TestInputs.normal([300, 5], seed: 67).storage
        let fused = xv.linear(wv, bias: bv, applyingSiLU: true), plain = (xv.matmul(wv) + bv).silu()
        #expect(fused.shape == [300, 5])
        #expect(maxDifference(fused.storage, plain.storage) < 1e-6)
        let gf = Tensor.gradients(of: fused, withRespectTo: [xv, wv, bv], seed: seed)
        let gp = Tensor.gradients(of: plain, withRespectTo: [xv, wv, bv], seed: seed)
        for (f, p) in zip(gf, gp) { #expect(maxDifference(f.storage, p.storage) < 1e-4 * (1 + p.storage.map(abs).max()!)) }
    }

    /// With the bf16 kernel (for this test's task alone) the layer rounds `x`, `W` and `∂z` once
    /// for all three products; the unfused ops round on every product. Same values up to the
    /// rounding of `∂z`, which the two paths form in different passes; and not the fp32 values.
    @Test func bf16EqualsTheUnfusedOps() {
        let x = TestInputs.normal([300, 40], seed: 68), w = TestInputs.normal([40, 24], seed: 69), b = TestInputs.normal([24], seed: 70)
        let seed = TestInputs.normal([300, 24], seed: 71).storage
        func run(_ fused: Bool) -> [[Float]] {
            let leaves = [x, w, b].map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) }
            let y = fused ? leaves[0].linear(leaves[1], bias: leaves[2], applyingSiLU: true) : (leaves[0].matmul(leaves[1]) + leaves[2]).silu()
            return [y.storage] + Tensor.gradients(of: y, withRespectTo: leaves, seed: seed).map(\.storage)
        }
        let (fused, plain) = Compute.using(OneDNNBF16GEMM()) { (run(true), run(false)) }
        let fp32 = Compute.using(OneDNNGEMM()) { run(true) }
        for (i, (f, p)) in zip(fused, plain).enumerated() {
            let scale = 1 + p.map(abs).max()!
            #expect(maxDifference(f, p) <= (i == 0 ? 1e-6 : 1e-2) * scale, "output \(i)")
        }
        #expect(maxDifference(fused[0], fp32[0]) > 1e-4, "bf16 rounding changed the forward values")
    }

    /// Without gradients the layer applies SiLU in place and keeps nothing: the same values as the
    /// tracked layer, bit for bit, in both precisions (rows enough to split across threads).
    @Test func untrackedEqualsTracked() {
        let x = TestInputs.normal([700, 64], seed: 72), w = TestInputs.normal([64, 48], seed: 73), b = TestInputs.normal([48], seed: 74)
        for backend in [OneDNNGEMM(), OneDNNBF16GEMM()] as [any GEMMBackend] {
            for (silu, bias) in [(true, true), (true, false), (false, true)] {
                let (tracked, untracked) = Compute.using(backend) { () -> (Tensor, Tensor) in
                    let leaves = [x, w, b].map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) }
                    return (leaves[0].linear(leaves[1], bias: bias ? leaves[2] : nil, applyingSiLU: silu),
                            withoutGradients { leaves[0].linear(leaves[1], bias: bias ? leaves[2] : nil, applyingSiLU: silu) })
                }
                #expect(tracked.isTracked && !untracked.isTracked)
                #expect(untracked.shape == [700, 48] && untracked.storage == tracked.storage, "\(backend.name) silu \(silu) bias \(bias)")
            }
        }
    }

    @Test func emptyBatch() {
        let x = Tensor(shape: [0, 3], storage: [], requiresGrad: true)
        let w = Tensor(shape: [3, 2], storage: [1, 2, 3, 4, 5, 6], requiresGrad: true), b = Tensor(shape: [2], storage: [1, 1], requiresGrad: true)
        let y = x.linear(w, bias: b, applyingSiLU: true)
        #expect(y.shape == [0, 2])
        let grads = Tensor.gradients(of: y, withRespectTo: [x, w, b], seed: [])
        #expect(grads[1].storage == [0, 0, 0, 0, 0, 0] && grads[2].storage == [0, 0])
    }

    private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}
