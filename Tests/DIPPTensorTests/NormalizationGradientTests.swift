import DIPPTensor
import Testing

/// Finite-difference and value checks of layer and group normalisation.
@Suite struct NormalizationGradientTests {
    @Test(arguments: [[3, 5], [2, 1, 4], [1, 2]])
    func layerNorm(_ shape: [Int]) {
        // Multiply by a non-uniform weight so the projection is not orthogonal to the VJP's null space.
        let report = GradientCheck.check([TestInputs.normal(shape, seed: 61)]) { $0[0].layerNormalized() }
        #expect(report.passed, "\(shape): \(report)")
    }

    @Test(arguments: [([2, 4, 3, 3], 2), ([1, 2, 2, 2], 1), ([2, 6, 1, 2], 3)])
    func groupNorm(_ c: ([Int], Int)) {
        let report = GradientCheck.check([TestInputs.normal(c.0, seed: 62)]) { $0[0].groupNormalized(groups: c.1) }
        #expect(report.passed, "\(c): \(report)")
    }

    @Test(arguments: [([2, 4, 3, 3], 2), ([1, 2, 2, 2], 1), ([2, 6, 1, 2], 3)], [false, true])
    func groupNormWithAffineMap(_ c: ([Int], Int), _ silu: Bool) {
        let channels = c.0[1]
        let inputs = [TestInputs.normal(c.0, seed: 64), TestInputs.normal([channels], seed: 65), TestInputs.normal([channels], seed: 66)]
        let report = GradientCheck.check(inputs) {
            $0[0].groupNormalized(groups: c.1, scale: $0[1], shift: $0[2], applyingSiLU: silu)
        }
        #expect(report.passed, "\(c) silu \(silu): \(report)")
    }

    /// The fused pass equals normalisation, broadcast scale and shift, and SiLU as separate ops,
    /// in value and in all three gradients (U-Net shapes included).
    /// (The `[4, 64, 32, 32]` case is large enough to be split across threads: chunks that do not
    /// start at the first sample.)
    @Test(arguments: [([2, 4, 3, 3], 2), ([3, 64, 14, 14], 8), ([2, 33, 7, 7], 1), ([4, 64, 32, 32], 8)], [false, true])
    func fusedGroupNormEqualsSeparateOps(_ c: ([Int], Int), _ silu: Bool) {
        let channels = c.0[1]
        let leaves = [TestInputs.normal(c.0, seed: 67), TestInputs.normal([channels], seed: 68), TestInputs.normal([channels], seed: 69)]
        let (a, b) = (leaves.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) },
                      leaves.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) })
        let fused = a[0].groupNormalized(groups: c.1, scale: a[1], shift: a[2], applyingSiLU: silu)
        let affine = b[0].groupNormalized(groups: c.1) * b[1].reshaped([1, channels, 1, 1]) + b[2].reshaped([1, channels, 1, 1])
        let separate = silu ? affine.silu() : affine
        let g = TestInputs.normal(fused.shape, seed: 70)
        let (ga, gb) = (Tensor.gradients(of: fused, withRespectTo: a, seed: g.storage), Tensor.gradients(of: separate, withRespectTo: b, seed: g.storage))
        func worst(_ x: [Float], _ y: [Float]) -> Float { zip(x, y).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0 }
        #expect(worst(fused.storage, separate.storage) < 1e-5)
        for i in 0..<3 { #expect(worst(ga[i].storage, gb[i].storage) < 2e-4, "\(c) silu \(silu) gradient \(i)") }
    }

    /// Channels last: finite differences with respect to the input, scale, shift and offset.
    @Test(arguments: [([2, 3, 3, 4], 2), ([1, 2, 2, 2], 1), ([2, 1, 2, 6], 3)], [false, true])
    func channelsLastGroupNormWithOffset(_ c: ([Int], Int), _ silu: Bool) {
        let channels = c.0[3]
        let inputs = [TestInputs.normal(c.0, seed: 101), TestInputs.normal([channels], seed: 102), TestInputs.normal([channels], seed: 103),
                      TestInputs.normal([c.0[0], channels], seed: 104)]
        let report = GradientCheck.check(inputs) {
            $0[0].groupNormalized(groups: c.1, scale: $0[1], shift: $0[2], applyingSiLU: silu, channelsLast: true, offset: $0[3])
        }
        #expect(report.passed, "\(c) silu \(silu): \(report)")
    }

    /// Channels last with an offset equals the NCHW fused pass on the permuted `x + offset`, in
    /// value and in every gradient (U-Net shapes included).
    @Test(arguments: [([2, 3, 3, 4], 2), ([3, 14, 14, 64], 8), ([2, 7, 7, 33], 1), ([4, 32, 32, 64], 8)], [false, true])
    func channelsLastEqualsPermuted(_ c: ([Int], Int), _ silu: Bool) {
        let (n, channels) = (c.0[0], c.0[3])
        let leaves = [TestInputs.normal(c.0, seed: 105), TestInputs.normal([channels], seed: 106), TestInputs.normal([channels], seed: 107),
                      TestInputs.normal([n, channels], seed: 108)]
        let (a, b) = (leaves.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) },
                      leaves.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) })
        let last = a[0].groupNormalized(groups: c.1, scale: a[1], shift: a[2], applyingSiLU: silu, channelsLast: true, offset: a[3])
        let shifted = b[0].permuted([0, 3, 1, 2]) + b[3].reshaped([n, channels, 1, 1])
        let first = shifted.groupNormalized(groups: c.1, scale: b[1], shift: b[2], applyingSiLU: silu).permuted([0, 2, 3, 1])
        let g = TestInputs.normal(last.shape, seed: 109)
        let (ga, gb) = (Tensor.gradients(of: last, withRespectTo: a, seed: g.storage), Tensor.gradients(of: first, withRespectTo: b, seed: g.storage))
        func worst(_ x: [Float], _ y: [Float]) -> Float { zip(x, y).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0 }
        #expect(worst(last.storage, first.storage) < 1e-5)
        for i in 0..<4 { #expect(worst(ga[i].storage, gb[i].storage) < 2e-4, "\(c) silu \(silu) gradient \(i)") }
    }

    @Test func values() {
        let y = Tensor(shape: [1, 4], storage: [1, 2, 3, 4]).layerNormalized(epsilon: 0).storage
        let expected: [Float] = [-1.3416408, -0.4472136, 0.4472136, 1.3416408]
        #expect(zip(y, expected).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
        // Group norm with one group per channel equals instance normalisation.
        let x = TestInputs.normal([2, 3, 2, 2], seed: 63)
        let g = x.groupNormalized(groups: 3).storage
        let l = x.reshaped([6, 4]).layerNormalized().storage
        #expect(zip(g, l).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    }
}
