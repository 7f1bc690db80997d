/// Integer indexing: select whole slices along an axis (`indexSelect`, embedding lookup) or
/// pick one element per position (`gather`, PyTorch semantics). VJPs scatter-add.
extension Tensor {
    /// Slices `indices` of `axis`, in order (repeats allowed):
    /// `out[…, j, …] = self[…, indices[j], …]`.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let ax = Shape.axis(axis, rank: rank)
        let (outer, extent, inner) = Shape.split(shape, at: ax)
        for i in indices {
            precondition(i >= 0 && i < extent, "indexSelect: index \(i) is outside axis \(ax) of extent \(extent)")
        }
        var outShape = shape
        outShape[ax] = indices.count
        let src = storage
        var out = [Float](repeating: 0, count: outer * indices.count * inner)
        for o in 0..<outer {
            for (j, i) in indices.enumerated() {
                let from = (o * extent + i) * inner, to = (o * indices.count + j) * inner
                for p in 0..<inner { out[to + p] = src[from + p] }
            }
        }
        let inCount = count
        return Tensor.result(shape: outShape, storage: out, inputs: [self]) { g, _ in
            var grad = [Float](repeating: 0, count: inCount)
            for o in 0..<outer {
                for (j, i) in indices.enumerated() {
                    let to = (o * extent + i) * inner, from = (o * indices.count + j) * inner
                    for p in 0..<inner { grad[to + p] += g[from + p] }
                }
            }
            return [grad]
        }
    }

    /// Embedding lookup: rows `ids` of a `[vocabulary, dimension]` table → `[ids.count, dimension]`.
    public static func embedding(_ table: Tensor, ids: [Int]) -> Tensor {
        precondition(table.rank == 2, "embedding: the table must be [vocabulary, dimension], got \(table.shape)")
        return table.indexSelect(axis: 0, indices: ids)
    }

    /// PyTorch's `gather`: with `self` viewed as `[outer, n, inner]` around `axis` and `indices`
    /// laid out as `[outer, m, inner]`, `out[o, j, p] = self[o, indices[o, j, p], p]`.
    /// - Parameter indexExtent: `m`, the extent of the output along `axis`.
    public func gather(axis: Int, indices: [Int], indexExtent: Int) -> Tensor {
        let ax = Shape.axis(axis, rank: rank)
        let (outer, extent, inner) = Shape.split(shape, at: ax)
        precondition(indices.count == outer * indexExtent * inner,
                     "gather: \(indices.count) indices, expected \(outer * indexExtent * inner)")
        for i in indices { precondition(i >= 0 && i < extent, "gather: index \(i) is outside axis \(ax) of extent \(extent)") }
        var outShape = shape
        outShape[ax] = indexExtent
        let src = storage
        var out = [Float](repeating: 0, count: indices.count)
        for o in 0..<outer {
            for j in 0..<indexExtent {
                for p in 0..<inner {
                    let at = (o * indexExtent + j) * inner + p
                    out[at] = src[(o * extent + indices[at]) * inner + p]
                }
            }
        }
        let inCount = count
        return Tensor.result(shape: outShape, storage: out, inputs: [self]) { g, _ in
            var grad = [Float](repeating: 0, count: inCount)
            for o in 0..<outer {
                for j in 0..<indexExtent {
                    for p in 0..<inner {
                        let at = (o * indexExtent + j) * inner + p
                        grad[(o * extent + indices[at]) * inner + p] += g[at]
                    }
                }
            }
            return [grad]
        }
    }
}
