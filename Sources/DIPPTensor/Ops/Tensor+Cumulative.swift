/// Running sums and products along an axis (volume rendering's transmittance
/// `T_i = Π_{j<i}(1 − α_j)` is an exclusive cumulative product).
extension Tensor {
    /// `y_i = Σ_{j≤i} x_j` (inclusive) or `Σ_{j<i} x_j` (exclusive) along `axis`.
    /// VJP: the reversed running sum of `g`.
    public func cumulativeSum(axis: Int, exclusive: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank)
        let (outer, n, inner) = Shape.split(shape, at: ax)
        let y = Tensor.scan(storage, outer: outer, n: n, inner: inner, exclusive: exclusive, reverse: false)
        return Tensor.result(shape: shape, storage: y, inputs: [self]) { g, _ in
            [Tensor.scan(g, outer: outer, n: n, inner: inner, exclusive: exclusive, reverse: true)]
        }
    }

    /// `y_i = Π_{j≤i} x_j` (inclusive) or `Π_{j<i} x_j` (exclusive, `y_0 = 1`) along `axis`.
    /// VJP: `∂x_k = Σ_{i ∋ k} g_i · Π_{j ∈ prefix(i), j≠k} x_j`, computed exactly (no division,
    /// so zeros in `x` are handled) in O(n²) per line — lines are short (samples along a ray).
    public func cumulativeProduct(axis: Int, exclusive: Bool = false) -> Tensor {
        let ax = Shape.axis(axis, rank: rank)
        let (outer, n, inner) = Shape.split(shape, at: ax)
        let x = storage
        var y = [Float](repeating: 0, count: x.count)
        for o in 0..<outer {
            for p in 0..<inner {
                var running: Float = 1
                for i in 0..<n {
                    let at = (o * n + i) * inner + p
                    if exclusive { y[at] = running; running *= x[at] } else { running *= x[at]; y[at] = running }
                }
            }
        }
        return Tensor.result(shape: shape, storage: y, inputs: [self]) { g, _ in
            var grad = [Float](repeating: 0, count: x.count)
            let shift = exclusive ? 1 : 0
            for o in 0..<outer {
                for p in 0..<inner {
                    let at = { (i: Int) in (o * n + i) * inner + p }
                    for k in 0..<n {
                        // Π over the prefix of output i, skipping x_k; output i needs x_k
                        // when i ≥ k + shift, and each later output adds x_{i−shift}.
                        var product: Float = 1
                        for j in 0..<k { product *= x[at(j)] }
                        var total: Float = 0
                        var i = k + shift
                        while i < n {
                            if i > k + shift { product *= x[at(i - shift)] }
                            total += g[at(i)] * product
                            i += 1
                        }
                        grad[at(k)] = total
                    }
                }
            }
            return [grad]
        }
    }

    /// Running sum of `[outer, n, inner]` lines, forward or reversed, inclusive or exclusive.
    static func scan(_ x: [Float], outer: Int, n: Int, inner: Int, exclusive: Bool, reverse: Bool) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for o in 0..<outer {
            for p in 0..<inner {
                var running: Float = 0
                for step in 0..<n {
                    let i = reverse ? n - 1 - step : step
                    let at = (o * n + i) * inner + p
                    if exclusive { y[at] = running; running += x[at] } else { running += x[at]; y[at] = running }
                }
            }
        }
        return y
    }
}
