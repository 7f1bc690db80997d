/// Operations that move values without arithmetic: reshape, permute/transpose, concatenate,
/// slice and split. Each VJP moves the gradient back the same way.
extension Tensor {
    /// The same values with a new shape of equal element count; one extent may be `-1` (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(newShape) for \(count) values")
            target[hole] = count / known
        }
        precondition(Shape.count(target) == count, "reshape: \(shape) has \(count) values, \(newShape) needs \(Shape.count(target))")
        return Tensor.result(shape: target, storage: storage, inputs: [self]) { g, _ in [g] }
    }

    /// Reorders the axes: output axis `i` is input axis `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "permute: \(axes) is not a permutation of 0..<\(rank)")
        let inShape = shape
        let outShape = axes.map { inShape[$0] }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in axes.enumerated() { inverse[axis] = i }
        return Tensor.result(shape: outShape, storage: Tensor.permute(storage, shape: inShape, axes: axes),
                             inputs: [self]) { g, _ in
            [Tensor.permute(g, shape: outShape, axes: inverse)]
        }
    }

    /// Swaps two axes (default: the last two, the matrix transpose).
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(Shape.axis(axis0, rank: rank), Shape.axis(axis1, rank: rank))
        return permuted(axes)
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat needs at least one tensor")
        let first = tensors[0]
        let ax = Shape.axis(axis, rank: first.rank)
        for t in tensors {
            precondition(t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                         "concat: shape \(t.shape) does not match \(first.shape) off axis \(ax)")
        }
        let extents = tensors.map { $0.shape[ax] }
        let (outer, _, inner) = Shape.split(first.shape, at: ax)
        let total = extents.reduce(0, +)
        var outShape = first.shape
        outShape[ax] = total
        // The blocks below cover every element.
        var out = [Float](unsafeUninitializedCapacity: outer * total * inner) { $1 = outer * total * inner }
        var start = 0
        for (t, extent) in zip(tensors, extents) {
            copyBlock(t.storage, into: &out, outer: outer, inner: inner, extent: extent, fullExtent: total, start: start, adding: false)
            start += extent
        }
        return result(shape: outShape, storage: out, inputs: tensors) { g, needed in
            var offset = 0
            return extents.enumerated().map { i, extent in
                defer { offset += extent }
                guard needed[i] else { return nil }
                return sliceBlock(g, outer: outer, inner: inner, extent: extent, fullExtent: total, start: offset)
            }
        }
    }

    /// The `count` entries along `axis` starting at `start`.
    public func slice(axis: Int, start: Int, count length: Int) -> Tensor {
        let ax = Shape.axis(axis, rank: rank)
        precondition(start >= 0 && length >= 0 && start + length <= shape[ax],
                     "slice: [\(start), \(start + length)) is outside axis \(ax) of extent \(shape[ax])")
        let (outer, full, inner) = Shape.split(shape, at: ax)
        var outShape = shape
        outShape[ax] = length
        let values = Tensor.sliceBlock(storage, outer: outer, inner: inner, extent: length, fullExtent: full, start: start)
        let inCount = count
        return Tensor.result(shape: outShape, storage: values, inputs: [self]) { g, _ in
            var grad = [Float](repeating: 0, count: inCount)
            Tensor.copyBlock(g, into: &grad, outer: outer, inner: inner, extent: length, fullExtent: full, start: start, adding: true)
            return [grad]
        }
    }

    /// Splits along `axis` into consecutive pieces of the given sizes (which must add up).
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        let ax = Shape.axis(axis, rank: rank)
        precondition(sizes.reduce(0, +) == shape[ax], "split: sizes \(sizes) do not add up to \(shape[ax])")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: ax, start: start, count: size)
        }
    }

    // MARK: - Kernels

    static func permute(_ values: [Float], shape: [Int], axes: [Int]) -> [Float] {
        if shape.count > 1, axes.last == shape.count - 1 { return permuteRows(values, shape: shape, axes: axes) }
        let outShape = axes.map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let strides = axes.map { inStrides[$0] }
        let n = values.count
        var out = [Float](repeating: 0, count: n)
        guard n > 0 else { return out }
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var index = [Int](repeating: 0, count: outShape.count)
                var offset = 0
                for i in 0..<n {
                    dst[i] = src[offset]
                    var axis = outShape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < outShape[axis] { break }
                        offset -= strides[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return out
    }

    /// ``permute(_:shape:axes:)`` when the last axis stays last (attention's head transposes):
    /// whole rows of the last axis are copied, the rows split over the threads.
    static func permuteRows(_ values: [Float], shape: [Int], axes: [Int]) -> [Float] {
        let run = shape[shape.count - 1], n = values.count
        let outer = axes.dropLast().map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let strides = axes.dropLast().map { inStrides[$0] }
        guard n > 0, run > 0 else { return [Float](repeating: 0, count: n) }
        return [Float](unsafeUninitializedCapacity: n) { dst, initialized in
            values.withUnsafeBufferPointer { src in
                Parallel.forEachChunk(n / run, elementsPerItem: run) { rows in
                    // The output row's index in the leading output axes, and its input offset.
                    var index = [Int](repeating: 0, count: outer.count)
                    var rest = rows.lowerBound, offset = 0
                    for axis in stride(from: outer.count - 1, through: 0, by: -1) {
                        index[axis] = rest % outer[axis]
                        rest /= outer[axis]
                        offset += index[axis] * strides[axis]
                    }
                    for row in rows {
                        (dst.baseAddress! + row * run).initialize(from: src.baseAddress! + offset, count: run)
                        var axis = outer.count - 1
                        while axis >= 0 {
                            index[axis] += 1
                            offset += strides[axis]
                            if index[axis] < outer[axis] { break }
                            offset -= strides[axis] * outer[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
            initialized = n
        }
    }

    /// Rows `[start, start+extent)` of a `[outer, fullExtent, inner]` block.
    static func sliceBlock(_ values: [Float], outer: Int, inner: Int, extent: Int, fullExtent: Int, start: Int) -> [Float] {
        let width = extent * inner
        return [Float](unsafeUninitializedCapacity: outer * width) { dst, initialized in
            values.withUnsafeBufferPointer { src in
                Parallel.forEachChunk(outer, elementsPerItem: width) { rows in
                    for o in rows {
                        (dst.baseAddress! + o * width).initialize(from: src.baseAddress! + (o * fullExtent + start) * inner, count: width)
                    }
                }
            }
            initialized = outer * width
        }
    }

    /// Writes (or adds) a `[outer, extent, inner]` block into rows `[start, start+extent)` of a
    /// `[outer, fullExtent, inner]` destination.
    static func copyBlock(_ values: [Float], into out: inout [Float], outer: Int, inner: Int, extent: Int,
                          fullExtent: Int, start: Int, adding: Bool) {
        let width = extent * inner
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Parallel.forEachChunk(outer, elementsPerItem: width) { rows in
                    for o in rows {
                        let base = (o * fullExtent + start) * inner
                        for j in 0..<width {
                            dst[base + j] = adding ? dst[base + j] + src[o * width + j] : src[o * width + j]
                        }
                    }
                }
            }
        }
    }
}
