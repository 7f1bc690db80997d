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

    @Test func values() {
        let a = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], storage: [7, 8, 9, 10, 11, 12])
        #expect(a.matmul(b).storage == [58, 64, 139, 154])
        let batched = Tensor.concat([a.reshaped([1, 2, 3]), (a * 2).reshaped([1, 2, 3])], axis: 0)
        let bb = Tensor.concat([b.reshaped([1, 3, 2]), b.reshaped([1, 3, 2])], axis: 0)
        #expect(batched.matmul(bb).storage == [58, 64, 139, 154, 116, 128, 278, 308])
    }
}
