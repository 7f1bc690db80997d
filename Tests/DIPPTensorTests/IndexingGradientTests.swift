import DIPPTensor
import Testing

/// Finite-difference checks of gathers, selections and embedding lookups (repeated indices
/// must accumulate their gradients).
@Suite struct IndexingGradientTests {
    @Test func indexSelectWithRepeats() {
        let report = GradientCheck.check([TestInputs.normal([2, 4, 3], seed: 41)]) { $0[0].indexSelect(axis: 1, indices: [2, 0, 2, 3]) }
        #expect(report.passed, "\(report)")
    }

    @Test func embeddingLookup() {
        let report = GradientCheck.check([TestInputs.normal([5, 3], seed: 42)]) { Tensor.embedding($0[0], ids: [4, 1, 1, 0]) }
        #expect(report.passed, "\(report)")
        let table = Tensor(shape: [3, 2], storage: [0, 1, 10, 11, 20, 21])
        #expect(Tensor.embedding(table, ids: [2, 0]).storage == [20, 21, 0, 1])
    }

    @Test(arguments: [0, 1, 2])
    func gather(_ axis: Int) {
        let shape = [2, 3, 4]
        var indexShape = shape
        indexShape[axis] = 2
        let extent = shape[axis]
        let indices = (0..<Shape.count(indexShape)).map { ($0 * 7 + 1) % extent }
        let report = GradientCheck.check([TestInputs.normal(shape, seed: 43)]) {
            $0[0].gather(axis: axis, indices: indices, indexExtent: 2)
        }
        #expect(report.passed, "axis \(axis): \(report)")
    }

    @Test func gatherValues() {
        // PyTorch: torch.gather([[1,2],[3,4]], 1, [[0,0],[1,0]]) = [[1,1],[4,3]].
        let x = Tensor(shape: [2, 2], storage: [1, 2, 3, 4])
        #expect(x.gather(axis: 1, indices: [0, 0, 1, 0], indexExtent: 2).storage == [1, 1, 4, 3])
    }
}
