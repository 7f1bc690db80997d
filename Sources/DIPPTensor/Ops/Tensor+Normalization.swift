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
        var y = [Float](repeating: 0, count: xs.count)
        var inverseStd = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            let base = r * n
            var mean = 0.0
            for j in 0..<n { mean += Double(xs[base + j]) }
            mean /= Double(n)
            var variance = 0.0
            for j in 0..<n { let d = Double(xs[base + j]) - mean; variance += d * d }
            variance /= Double(n)
            let inv = 1 / Foundation.sqrt(variance + Double(epsilon))
            inverseStd[r] = Float(inv)
            for j in 0..<n { y[base + j] = Float((Double(xs[base + j]) - mean) * inv) }
        }
        return result(shape: x.shape, storage: y, inputs: [x]) { g, _ in
            var grad = [Float](repeating: 0, count: g.count)
            for r in 0..<rows {
                let base = r * n
                var meanG = 0.0, meanGY = 0.0
                for j in 0..<n {
                    meanG += Double(g[base + j])
                    meanGY += Double(g[base + j]) * Double(y[base + j])
                }
                meanG /= Double(n); meanGY /= Double(n)
                let inv = Double(inverseStd[r])
                for j in 0..<n {
                    grad[base + j] = Float((Double(g[base + j]) - meanG - Double(y[base + j]) * meanGY) * inv)
                }
            }
            return [grad]
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
