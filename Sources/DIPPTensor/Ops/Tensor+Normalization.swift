import CDIPPBackend
import Foundation

/// Normalisation without affine parameters (layers add the scale and shift).
///
/// Over each group of `n` values: `μ = mean(x)`, `v = mean((x − μ)²)`, `x̂ = (x − μ)/√(v + ε)`.
/// VJP: `∂x = (g − mean(g) − x̂·mean(g ⊙ x̂)) / √(v + ε)`.
extension Tensor {
    /// Layer normalisation over the last axis.
    public func layerNormalized(epsilon: Float = 1e-5) -> Tensor {
        precondition(rank >= 1, "layerNormalized needs rank ≥ 1")
        return Tensor.normalizeRows(self, rowLength: shape[rank - 1], epsilon: epsilon)
    }

    /// Group normalisation of `[N, C, …]`: the `C` channels are split into `groups` groups and
    /// each (sample, group) is normalised over its channels and all spatial positions.
    public func groupNormalized(groups: Int, epsilon: Float = 1e-5) -> Tensor {
        precondition(rank >= 2 && groups > 0 && shape[1] % groups == 0,
                     "groupNormalized: \(shape[safe: 1] ?? 0) channels do not split into \(groups) groups")
        return Tensor.normalizeRows(self, rowLength: count / (shape[0] * groups), epsilon: epsilon)
    }

    static func normalizeRows(_ x: Tensor, rowLength n: Int, epsilon: Float) -> Tensor {
        precondition(n > 0, "normalisation over an empty axis")
        let rows = x.count / n
        let xs = x.storage
        var inverseStd = [Float](repeating: 0, count: rows)
        let y = [Float](unsafeUninitializedCapacity: xs.count) { py, initialized in
            xs.withUnsafeBufferPointer { px in
                inverseStd.withUnsafeMutableBufferPointer { pi in
                    Parallel.forEachChunk(rows, elementsPerItem: n) { r in
                        dipp_normalize_rows(px.baseAddress! + r.lowerBound * n, py.baseAddress! + r.lowerBound * n,
                                            pi.baseAddress! + r.lowerBound, Int64(r.count), Int64(n), epsilon)
                    }
                }
            }
            initialized = xs.count
        }
        return result(shape: x.shape, storage: y, inputs: [x]) { g, _ in
            let grad = [Float](unsafeUninitializedCapacity: g.count) { po, initialized in
                y.withUnsafeBufferPointer { py in
                    g.withUnsafeBufferPointer { pg in
                        inverseStd.withUnsafeBufferPointer { pi in
                            Parallel.forEachChunk(rows, elementsPerItem: n) { r in
                                dipp_normalize_rows_backward(py.baseAddress! + r.lowerBound * n, pg.baseAddress! + r.lowerBound * n,
                                                             pi.baseAddress! + r.lowerBound, po.baseAddress! + r.lowerBound * n,
                                                             Int64(r.count), Int64(n))
                            }
                        }
                    }
                }
                initialized = g.count
            }
            return [grad]
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
