import DIPPTensor
import Testing

/// Finite-difference checks of reductions and of the value-moving ops.
@Suite struct ReductionAndLayoutGradientTests {
    static let reductions: [(String, [Int], @Sendable (Tensor) -> Tensor)] = [
        ("sum axis 0", [2, 3, 4], { $0.sum(axis: 0) }),
        ("sum axis -1 keepDims", [2, 3, 4], { $0.sum(axis: -1, keepDims: true) }),
        ("sum axes 0,2", [2, 3, 4], { $0.sum(axes: [0, 2]) }),
        ("sum all", [3, 1], { $0.sum() }),
        ("mean axis 1", [1, 5], { $0.mean(axis: 1) }),
        ("mean axes 0,2 keepDims", [2, 3, 4], { $0.mean(axes: [0, 2], keepDims: true) }),
        ("mean all", [2, 3], { $0.mean() }),
    ]

    @Test(arguments: 0..<reductions.count)
    func reduction(_ i: Int) {
        let (name, shape, op) = Self.reductions[i]
        let report = GradientCheck.check([TestInputs.normal(shape, seed: 21)]) { op($0[0]) }
        #expect(report.passed, "\(name): \(report)")
    }

    @Test func reductionValues() {
        let x = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        #expect(x.sum(axis: 0).storage == [5, 7, 9])
        #expect(x.sum(axis: 1, keepDims: true).shape == [2, 1])
        #expect(x.mean(axis: 1).storage == [2, 5])
        #expect(x.sum().storage == [21] && x.sum().shape == [])
    }

    static let layouts: [(String, [[Int]], @Sendable ([Tensor]) -> Tensor)] = [
        ("reshape", [[2, 6]], { $0[0].reshaped([3, -1]) * $0[0].reshaped([3, 4]) }),
        ("permute 2,0,1", [[2, 3, 4]], { $0[0].permuted([2, 0, 1]) }),
        ("permute 0,2,1,3 (rows kept)", [[2, 3, 4, 5]], { $0[0].permuted([0, 2, 1, 3]) }),
        ("transpose", [[3, 5]], { $0[0].transposed() }),
        ("transpose 0,2 with size-1", [[1, 3, 2]], { $0[0].transposed(0, 2) }),
        ("concat axis 0", [[2, 3], [1, 3]], { Tensor.concat([$0[0], $0[1]], axis: 0) }),
        ("concat axis 1", [[2, 3], [2, 1], [2, 2]], { Tensor.concat($0, axis: 1) }),
        ("slice", [[3, 5]], { $0[0].slice(axis: 1, start: 1, count: 3) }),
        ("split", [[4, 3]], { x in let p = x[0].split(axis: 0, sizes: [1, 3]); return p[1] * 2 + p[0] }),
    ]

    @Test(arguments: 0..<layouts.count)
    func layout(_ i: Int) {
        let (name, shapes, op) = Self.layouts[i]
        let inputs = shapes.enumerated().map { TestInputs.normal($0.element, seed: UInt64(30 + $0.offset)) }
        let report = GradientCheck.check(inputs, op)
        #expect(report.passed, "\(name): \(report)")
    }

    @Test func layoutValues() {
        let x = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        #expect(x.transposed().storage == [1, 4, 2, 5, 3, 6])
        #expect(x.slice(axis: 1, start: 1, count: 2).storage == [2, 3, 5, 6])
        #expect(Tensor.concat([x, x], axis: 1).storage == [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        let y = Tensor(shape: [2, 3, 4], storage: (0..<24).map(Float.init)).permuted([2, 0, 1])
        #expect(y.shape == [4, 2, 3])
        #expect(Array(y.storage.prefix(6)) == [0, 4, 8, 12, 16, 20])
    }

    /// Permutations that keep the last axis (copied a row at a time, over several threads)
    /// against an element-by-element gather `out[i] = x[Σ_a index_a(i)·stride_{axes[a]}]`.
    @Test(arguments: [[0, 2, 1, 3], [2, 0, 1, 3], [1, 2, 0, 3]])
    func rowKeepingPermutations(_ axes: [Int]) {
        let shape = [3, 40, 12, 64]
        let x = TestInputs.normal(shape, seed: 44)
        let y = x.permuted(axes)
        let strides = [40 * 12 * 64, 12 * 64, 64, 1]
        let outShape = axes.map { shape[$0] }
        var mismatches = 0
        for i in 0..<x.count {
            var rest = i, offset = 0
            for a in stride(from: 3, through: 0, by: -1) {
                offset += (rest % outShape[a]) * strides[axes[a]]
                rest /= outShape[a]
            }
            if y.storage[i] != x.storage[offset] { mismatches += 1 }
        }
        #expect(y.shape == outShape && mismatches == 0)
    }

    /// Concatenation along the last axis of tensors large enough to be copied by several
    /// threads (as the channels-last U-Net does), against an element-by-element gather, and its
    /// gradient slices against the matching ranges of the output gradient.
    @Test func largeConcatAlongTheLastAxis() {
        let a = TestInputs.normal([2, 28, 28, 64], seed: 40), b = TestInputs.normal([2, 28, 28, 32], seed: 41)
        let (va, vb) = (Tensor(shape: a.shape, storage: a.storage, requiresGrad: true), Tensor(shape: b.shape, storage: b.storage, requiresGrad: true))
        let y = Tensor.concat([va, vb], axis: 3)
        let rows = 2 * 28 * 28
        /// Columns `[from, to)` of every row of a `[rows, width]` array.
        func columns(_ values: [Float], width: Int, _ from: Int, _ to: Int) -> [Float] {
            var out = [Float]()
            for r in 0..<rows { out.append(contentsOf: values[(r * width + from)..<(r * width + to)]) }
            return out
        }
        let output = y.storage
        #expect(y.shape == [2, 28, 28, 96])
        #expect(columns(output, width: 96, 0, 64) == a.storage && columns(output, width: 96, 64, 96) == b.storage)
        let g = TestInputs.normal(y.shape, seed: 42)
        let grads = Tensor.gradients(of: y, withRespectTo: [va, vb], seed: g.storage)
        #expect(grads[0].storage == columns(g.storage, width: 96, 0, 64))
        #expect(grads[1].storage == columns(g.storage, width: 96, 64, 96))
    }
}
