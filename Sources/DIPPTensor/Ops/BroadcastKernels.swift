/// Raw-array kernels for broadcasting element-wise arithmetic, used by the forward passes and
/// by the vector-Jacobian products alike.
enum BroadcastKernels {
    /// `out[i] = f(a[ia], b[ib])` with `a` and `b` broadcast to `outShape`.
    @inline(__always)
    static func binary(_ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int], _ outShape: [Int],
                       _ f: (Float, Float) -> Float) -> [Float] {
        let n = Shape.count(outShape)
        // Every path below writes every element, so the buffer need not be zeroed first.
        var out = [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    if pa.count == n && pb.count == n {
                        Parallel.forEachChunk(n) { r in for i in r { po[i] = f(pa[i], pb[i]) } }
                    } else if pa.count == n && pb.count == 1 {
                        let s = pb[0]
                        Parallel.forEachChunk(n) { r in for i in r { po[i] = f(pa[i], s) } }
                    } else if pb.count == n && pa.count == 1 {
                        let s = pa[0]
                        Parallel.forEachChunk(n) { r in for i in r { po[i] = f(s, pb[i]) } }
                    } else if pa.count == n && pb.count > 0 && isSuffix(bShape, of: outShape) {
                        let inner = pb.count
                        Parallel.forEachChunk(n / inner) { rows in
                            for row in rows {
                                let base = row * inner
                                for j in 0..<inner { po[base + j] = f(pa[base + j], pb[j]) }
                            }
                        }
                    } else if pb.count == n && pa.count > 0 && isSuffix(aShape, of: outShape) {
                        let inner = pa.count
                        Parallel.forEachChunk(n / inner, elementsPerItem: inner) { rows in
                            for row in rows {
                                let base = row * inner
                                for j in 0..<inner { po[base + j] = f(pa[j], pb[base + j]) }
                            }
                        }
                    } else if pa.count == n, let (mid, inner) = middleBlock(bShape, of: outShape) {
                        // Blocks of `inner` values sharing one b value (a channel of one image).
                        Parallel.forEachChunk(n / inner, elementsPerItem: inner) { blocks in
                            for block in blocks {
                                let s = pb[block % mid], base = block * inner
                                for j in 0..<inner { po[base + j] = f(pa[base + j], s) }
                            }
                        }
                    } else if n > 0 {
                        let sa = Shape.broadcastStrides(aShape, to: outShape)
                        let sb = Shape.broadcastStrides(bShape, to: outShape)
                        var index = [Int](repeating: 0, count: outShape.count)
                        var ia = 0, ib = 0
                        for i in 0..<n {
                            po[i] = f(pa[ia], pb[ib])
                            var axis = outShape.count - 1
                            while axis >= 0 {
                                index[axis] += 1
                                ia += sa[axis]; ib += sb[axis]
                                if index[axis] < outShape[axis] { break }
                                ia -= sa[axis] * outShape[axis]; ib -= sb[axis] * outShape[axis]
                                index[axis] = 0
                                axis -= 1
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Whether `shape`, with leading 1s dropped, equals the trailing axes of `outShape`.
    static func isSuffix(_ shape: [Int], of outShape: [Int]) -> Bool {
        let trimmed = Array(shape.drop(while: { $0 == 1 }))
        return trimmed.count <= outShape.count && Array(outShape.suffix(trimmed.count)) == trimmed
    }

    /// When `shape` (aligned right) is 1 on every axis of `outShape` except one contiguous run
    /// where it matches — a per-channel `[1, C, 1, 1]` against `[N, C, H, W]` — returns the run's
    /// element count and the element count of the axes after it.
    static func middleBlock(_ shape: [Int], of outShape: [Int]) -> (mid: Int, inner: Int)? {
        guard shape.count <= outShape.count else { return nil }
        let aligned = [Int](repeating: 1, count: outShape.count - shape.count) + shape
        guard let first = aligned.firstIndex(where: { $0 != 1 }) else { return nil }
        let last = aligned.lastIndex(where: { $0 != 1 })!
        for axis in first...last where aligned[axis] != outShape[axis] { return nil }
        return (Shape.count(Array(outShape[first...last])), Shape.count(Array(outShape[(last + 1)...])))
    }

    /// Sums a gradient of shape `outShape` down to `shape` (the adjoint of broadcasting).
    static func reduce(_ g: [Float], from outShape: [Int], to shape: [Int]) -> [Float] {
        if outShape == shape { return g }
        let n = g.count
        var out = [Float](repeating: 0, count: Shape.count(shape))
        if out.count == 1 {
            out[0] = g.reduce(0, +)
            return out
        }
        g.withUnsafeBufferPointer { pg in
            out.withUnsafeMutableBufferPointer { po in
                // Split over output elements: each is summed by one thread, in the serial order,
                // so the sums do not depend on the thread count.
                if isSuffix(shape, of: outShape) {
                    let inner = po.count, rows = n / inner
                    Parallel.forEachChunk(inner, elementsPerItem: rows) { columns in
                        for row in 0..<rows {
                            let base = row * inner
                            for j in columns { po[j] += pg[base + j] }
                        }
                    }
                    return
                }
                if let (mid, inner) = middleBlock(shape, of: outShape) {
                    let outer = n / (mid * inner)
                    Parallel.forEachChunk(mid, elementsPerItem: outer * inner) { channels in
                        for m in channels {
                            for o in 0..<outer {
                                let base = (o * mid + m) * inner
                                var total: Float = 0
                                for j in 0..<inner { total += pg[base + j] }
                                po[m] += total
                            }
                        }
                    }
                    return
                }
                let so = Shape.broadcastStrides(shape, to: outShape)
                var index = [Int](repeating: 0, count: outShape.count)
                var io = 0
                for i in 0..<n {
                    po[io] += pg[i]
                    var axis = outShape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        io += so[axis]
                        if index[axis] < outShape[axis] { break }
                        io -= so[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return out
    }

    /// `values` (of `shape`) repeated along broadcast axes to `outShape`.
    static func expand(_ values: [Float], from shape: [Int], to outShape: [Int]) -> [Float] {
        if shape == outShape { return values }
        return binary(values, shape, [0], [], outShape) { x, _ in x }
    }

    /// `out[i] = f(x[i])`.
    @inline(__always)
    static func map(_ x: [Float], _ f: (Float) -> Float) -> [Float] {
        var out = [Float](unsafeUninitializedCapacity: x.count) { _, count in count = x.count }
        x.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                Parallel.forEachChunk(px.count) { r in for i in r { po[i] = f(px[i]) } }
            }
        }
        return out
    }

    /// `out[i] = f(x[i], y[i])` for equal-length arrays.
    @inline(__always)
    static func zip(_ x: [Float], _ y: [Float], _ f: (Float, Float) -> Float) -> [Float] {
        precondition(x.count == y.count, "internal: zip of \(x.count) and \(y.count) values")
        var out = [Float](unsafeUninitializedCapacity: x.count) { _, count in count = x.count }
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                out.withUnsafeMutableBufferPointer { po in
                    Parallel.forEachChunk(px.count) { r in for i in r { po[i] = f(px[i], py[i]) } }
                }
            }
        }
        return out
    }
}
