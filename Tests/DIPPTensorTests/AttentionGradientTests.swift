import DIPPTensor
import Foundation
import Testing

/// Softmax and masked scaled dot-product attention: finite-difference gradients and values
/// against a direct scalar evaluation of the formula.
@Suite struct AttentionGradientTests {
    @Test(arguments: [[3, 5], [1, 1], [2, 2, 3]])
    func softmax(_ shape: [Int]) {
        let report = GradientCheck.check([TestInputs.normal(shape, seed: 85)]) { $0[0].softmax() }
        #expect(report.passed, "\(shape): \(report)")
        let y = TestInputs.normal(shape, seed: 85).softmax().storage
        let n = shape.last!
        for r in 0..<(y.count / n) { #expect(Swift.abs(y[(r * n)..<((r + 1) * n)].reduce(0, +) - 1) < 1e-6) }
        // Max-shifted: large scores stay finite.
        #expect(Tensor(shape: [2], storage: [1000, 0]).softmax().storage == [1, 0])
    }

    static let mask: [Float] = [1, 1, 1, 0, 1, 1, 0, 0]   // B = 2, T = 4: 3 and 2 real keys

    @Test func attentionGradients() {
        let shape = [2, 3, 4, 5]
        let inputs = (0..<3).map { TestInputs.normal(shape, seed: 86 + UInt64($0)) }
        let report = GradientCheck.check(inputs) { Tensor.attention(query: $0[0], key: $0[1], value: $0[2], keyMask: Self.mask) }
        #expect(report.passed, "\(report)")
        let unmasked = GradientCheck.check(inputs) { Tensor.attention(query: $0[0], key: $0[1], value: $0[2]) }
        #expect(unmasked.passed, "\(unmasked)")
        let causal = GradientCheck.check(inputs) { Tensor.attention(query: $0[0], key: $0[1], value: $0[2], keyMask: Self.mask, causal: true) }
        #expect(causal.passed, "\(causal)")
    }

    /// `out[b,h,i] = Σ_j w_ij v[b,h,j]`, `w_i = softmax_j(q_i·k_j/√d)` over the real keys only
    /// (and, causal, over `j ≤ i` only).
    @Test(arguments: [false, true]) func attentionMatchesTheFormula(causal: Bool) {
        let (b, h, t, d) = (2, 3, 4, 5)
        let (q, k, v) = (TestInputs.normal([b, h, t, d], seed: 91), TestInputs.normal([b, h, t, d], seed: 92), TestInputs.normal([b, h, t, d], seed: 93))
        let out = Tensor.attention(query: q, key: k, value: v, keyMask: Self.mask, causal: causal).storage
        func at(_ x: Tensor, _ bi: Int, _ hi: Int, _ i: Int, _ c: Int) -> Double { Double(x.storage[((bi * h + hi) * t + i) * d + c]) }
        var worst = 0.0
        for bi in 0..<b {
            for hi in 0..<h {
                for i in 0..<t {
                    let real = (0..<t).filter { Self.mask[bi * t + $0] > 0 && (!causal || $0 <= i) }
                    let scores = real.map { j in (0..<d).reduce(0.0) { $0 + at(q, bi, hi, i, $1) * at(k, bi, hi, j, $1) } / Double(d).squareRoot() }
                    let m = scores.max()!
                    let e = scores.map { Foundation.exp($0 - m) }
                    let z = e.reduce(0, +)
                    for c in 0..<d {
                        let expected = zip(real, e).reduce(0.0) { $0 + $1.1 / z * at(v, bi, hi, $1.0, c) }
                        worst = Swift.max(worst, Swift.abs(expected - Double(out[((bi * h + hi) * t + i) * d + c])))
                    }
                }
            }
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
    }
}
