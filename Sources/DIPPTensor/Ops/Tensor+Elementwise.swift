import Foundation

/// Element-wise functions `y = f(x)`; each VJP is `g ⊙ f′(x)`.
extension Tensor {
    /// Applies `f` element-wise; `derivative(x, y)` returns `f′(x)` given `x` and `y = f(x)`.
    @inline(__always)
    static func unary(_ x: Tensor, _ f: (Float) -> Float,
                      derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let xs = x.storage
        let ys = BroadcastKernels.map(xs, f)
        return result(shape: x.shape, storage: ys, inputs: [x]) { g, _ in
            var out = [Float](repeating: 0, count: g.count)
            g.withUnsafeBufferPointer { pg in
                xs.withUnsafeBufferPointer { px in
                    ys.withUnsafeBufferPointer { py in
                        out.withUnsafeMutableBufferPointer { po in
                            Parallel.forEachChunk(po.count) { r in for i in r { po[i] = pg[i] * derivative(px[i], py[i]) } }
                        }
                    }
                }
            }
            return [out]
        }
    }

    /// `eˣ`.
    public func exp() -> Tensor { Tensor.unary(self, Foundation.exp) { _, y in y } }
    /// Natural logarithm; `x` must be positive.
    public func log() -> Tensor { Tensor.unary(self, Foundation.log) { x, _ in 1 / x } }
    /// `√x`; the gradient `1/(2√x)` is infinite at 0.
    public func sqrt() -> Tensor { Tensor.unary(self, Foundation.sqrt) { _, y in 0.5 / y } }
    /// `x²`.
    public func square() -> Tensor { Tensor.unary(self, { $0 * $0 }) { x, _ in 2 * x } }
    /// `xᵖ` for a constant exponent `p`; `x` must be positive unless `p` is an integer.
    public func pow(_ p: Float) -> Tensor {
        Tensor.unary(self, { Foundation.pow($0, p) }) { x, _ in p * Foundation.pow(x, p - 1) }
    }
    /// `|x|`; the gradient at 0 is taken as 0.
    public func abs() -> Tensor {
        Tensor.unary(self, Swift.abs) { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }
    }
    /// `min(max(x, lower), upper)`; the gradient is 1 strictly inside the range, 0 outside.
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        precondition(lower <= upper, "clamped: lower bound \(lower) exceeds upper bound \(upper)")
        return Tensor.unary(self, { Swift.min(Swift.max($0, lower), upper) }) { x, _ in
            x >= lower && x <= upper ? 1 : 0
        }
    }
    /// `sin x`.
    public func sin() -> Tensor { Tensor.unary(self, Foundation.sin) { x, _ in Foundation.cos(x) } }
    /// `cos x`.
    public func cos() -> Tensor { Tensor.unary(self, Foundation.cos) { x, _ in -Foundation.sin(x) } }
}
