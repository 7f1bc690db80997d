import DIPPTensor
import Foundation
import Testing

/// Finite-difference checks of log-softmax, cross-entropy and the running sums/products.
@Suite struct SoftmaxAndCumulativeGradientTests {
    @Test(arguments: [[3, 5], [1, 1], [2, 2, 3]])
    func logSoftmax(_ shape: [Int]) {
        let report = GradientCheck.check([TestInputs.normal(shape, seed: 81)]) { $0[0].logSoftmax() }
        #expect(report.passed, "\(shape): \(report)")
    }

    @Test func crossEntropy() {
        let report = GradientCheck.check([TestInputs.normal([4, 3], seed: 82)]) { $0[0].crossEntropy(labels: [0, 2, 1, 2]) }
        #expect(report.passed, "\(report)")
        // Uniform logits: L = ln C.
        let uniform = Tensor.zeros([2, 5]).crossEntropy(labels: [1, 4]).scalar
        #expect(Swift.abs(uniform - Foundation.log(5)) < 1e-6)
        // Large logits stay finite (max-shift).
        let big = Tensor(shape: [1, 2], storage: [1000, 0]).crossEntropy(labels: [1]).scalar
        #expect(Swift.abs(big - 1000) < 1e-3)
    }

    @Test(arguments: [(0, false), (1, false), (1, true), (2, true)])
    func cumulativeSum(_ c: (Int, Bool)) {
        let report = GradientCheck.check([TestInputs.normal([2, 3, 4], seed: 83)]) { $0[0].cumulativeSum(axis: c.0, exclusive: c.1) }
        #expect(report.passed, "\(c): \(report)")
    }

    @Test(arguments: [(0, false), (1, false), (1, true), (2, true), (-1, false)])
    func cumulativeProduct(_ c: (Int, Bool)) {
        let report = GradientCheck.check([TestInputs.uniform([2, 3, 4], -1.5...1.5, seed: 84)]) {
            $0[0].cumulativeProduct(axis: c.0, exclusive: c.1)
        }
        #expect(report.passed, "\(c): \(report)")
    }

    @Test func cumulativeProductWithZeroHasExactGradient() {
        // x = [2, 0, 3]: inclusive products [2, 0, 0]; d(sum)/dx = [1, 2 + 2·3, 0].
        let x = Tensor(shape: [3], storage: [2, 0, 3], requiresGrad: true)
        let y = x.cumulativeProduct(axis: 0)
        #expect(y.storage == [2, 0, 0])
        #expect(Tensor.gradients(of: y.sum(), withRespectTo: [x])[0].storage == [1, 8, 0])
        let exclusive = x.cumulativeProduct(axis: 0, exclusive: true)
        #expect(exclusive.storage == [1, 2, 0])
        #expect(x.cumulativeSum(axis: 0, exclusive: true).storage == [0, 2, 2])
    }
}
