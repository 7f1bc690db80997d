import DIPPTensor
import Foundation
import Testing

/// Finite-difference checks of every element-wise function, on several shapes (including
/// size-1 axes), with inputs kept inside each function's smooth domain.
@Suite struct ElementwiseGradientTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let domain: ClosedRange<Float>?   // nil: normal inputs away from 0
        let op: @Sendable (Tensor) -> Tensor
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "exp", domain: nil) { $0.exp() },
        Case(name: "log", domain: 0.5...3) { $0.log() },
        Case(name: "sqrt", domain: 0.5...3) { $0.sqrt() },
        Case(name: "square", domain: nil) { $0.square() },
        Case(name: "pow 2.5", domain: 0.5...2) { $0.pow(2.5) },
        Case(name: "pow 3", domain: nil) { $0.pow(3) },
        Case(name: "abs", domain: nil) { $0.abs() },
        Case(name: "clamp", domain: nil) { $0.clamped(min: -0.05, max: 0.05) },
        Case(name: "sin", domain: nil) { $0.sin() },
        Case(name: "cos", domain: nil) { $0.cos() },
        Case(name: "relu", domain: nil) { $0.relu() },
        Case(name: "tanh", domain: nil) { $0.tanh() },
        Case(name: "sigmoid", domain: nil) { $0.sigmoid() },
        Case(name: "softplus", domain: nil) { $0.softplus() },
        Case(name: "silu", domain: nil) { $0.silu() },
        Case(name: "gelu", domain: nil) { $0.gelu() },
        Case(name: "quickGELU", domain: nil) { $0.quickGELU() },
    ]

    static let shapes: [[Int]] = [[1], [3, 4], [2, 1, 3]]

    @Test(arguments: cases, shapes)
    func gradient(_ c: Case, _ shape: [Int]) {
        // Kinked functions (abs, relu, clamp) get inputs at least 0.1 from their kinks.
        let input = c.domain.map { TestInputs.uniform(shape, $0, seed: 11) } ?? TestInputs.normal(shape, seed: 12, margin: 0.1)
        let report = GradientCheck.check([input]) { c.op($0[0]) }
        #expect(report.passed, "\(c.name) \(shape): \(report)")
    }

    /// The vectorised kernels (polynomial exp) against Double-precision formulas over a wide range.
    @Test func vectorisedSiLUAndSigmoidAccuracy() {
        let xs = (0..<4001).map { Float($0 - 2000) * 0.05 }          // −100 … 100
        let x = Tensor(shape: [xs.count], storage: xs)
        let silu = x.silu().storage, sigmoid = x.sigmoid().storage
        var worst = 0.0
        for (i, v) in xs.enumerated() {
            let s = 1 / (1 + Foundation.exp(-Double(v)))
            worst = max(worst, Swift.abs(Double(sigmoid[i]) - s) / max(s, 1e-30), Swift.abs(Double(silu[i]) - Double(v) * s) / max(Swift.abs(Double(v) * s), 1e-30))
        }
        #expect(worst < 1e-6, "worst relative error \(worst)")
    }

    /// Fourier features: finite differences in both inputs (values and frequencies).
    @Test func fourierFeaturesGradient() {
        let inputs = [TestInputs.normal([5], seed: 13), TestInputs.normal([3], seed: 14)]
        let report = GradientCheck.check(inputs) { Tensor.fourierFeatures($0[0], frequencies: $0[1]) }
        #expect(report.passed, "\(report)")
    }

    /// The vectorised sin/cos against Double-precision libm: angles across ±1000 (every quadrant,
    /// multiples of π/2 and their neighbours), rows enough to split across threads, and the
    /// layout `[cos | sin]`.
    @Test func fourierFeaturesAccuracy() {
        let quarter = Float.pi / 2
        var xs = (0..<4001).map { Float($0 - 2000) * 0.25 }                                      // −500 … 500
        xs += (-40...40).flatMap { k in [Float(k) * quarter, (Float(k) * quarter).nextUp, (Float(k) * quarter).nextDown] }
        xs += (0..<20_000).map { Float($0) * 1e-3 }                                              // 20 000 small rows
        let frequencies: [Float] = [1, 2, 0.5, -1.5]
        let features = Tensor.fourierFeatures(Tensor(shape: [xs.count], storage: xs), frequencies: Tensor(shape: [4], storage: frequencies))
        #expect(features.shape == [xs.count, 8])
        var worst = 0.0
        for (i, x) in xs.enumerated() {
            for (j, f) in frequencies.enumerated() {
                let angle = Double(x * f)                                                          // the kernel's fp32 product
                worst = max(worst, Swift.abs(Double(features.storage[i * 8 + j]) - Foundation.cos(angle)),
                            Swift.abs(Double(features.storage[i * 8 + 4 + j]) - Foundation.sin(angle)))
            }
        }
        #expect(worst < 2e-7, "worst absolute error \(worst)")
    }

    @Test func forwardValues() {
        let x = Tensor(shape: [4], storage: [-2, -0.5, 0.5, 2])
        let close = { (a: [Float], b: [Double]) in zip(a, b).allSatisfy { Swift.abs(Double($0) - $1) < 1e-5 } }
        #expect(close(x.gelu().storage, [-0.0455003, -0.1542687, 0.3457313, 1.9544997]))
        #expect(close(x.quickGELU().storage, x.storage.map { Double($0) / (1 + Foundation.exp(-1.702 * Double($0))) }))
        #expect(close(x.silu().storage, [-0.2384058, -0.1887703, 0.3112297, 1.7615942]))
        #expect(close(x.softplus().storage, [0.1269280, 0.4740770, 0.9740770, 2.1269280]))
        #expect(close(x.clamped(min: -1, max: 1).storage, [-1, -0.5, 0.5, 1]))
        #expect(Tensor(shape: [1], storage: [1000]).softplus().storage == [1000])
        #expect(Tensor(shape: [1], storage: [-1000]).sigmoid().storage == [0])
    }
}
