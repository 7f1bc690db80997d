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
