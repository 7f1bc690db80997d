import Foundation

/// Activation functions, each with its exact derivative.
extension Tensor {
    /// `max(x, 0)`; the gradient at 0 is taken as 0.
    public func relu() -> Tensor { Tensor.unary(self, { Swift.max($0, 0) }) { x, _ in x > 0 ? 1 : 0 } }

    /// `tanh x`; derivative `1 − y²`.
    public func tanh() -> Tensor { Tensor.unary(self, Foundation.tanh) { _, y in 1 - y * y } }

    /// Logistic sigmoid `σ(x) = 1/(1 + e⁻ˣ)`; derivative `σ(1 − σ)`.
    public func sigmoid() -> Tensor { Tensor.unary(self, Activation.sigmoid) { _, y in y * (1 - y) } }

    /// `softplus(x) = ln(1 + eˣ)`, computed stably; derivative `σ(x)`.
    public func softplus() -> Tensor {
        Tensor.unary(self, { Swift.max($0, 0) + Foundation.log1p(Foundation.exp(-Swift.abs($0))) }) { x, _ in
            Activation.sigmoid(x)
        }
    }

    /// SiLU (swish) `x·σ(x)`; derivative `σ(x)(1 + x(1 − σ(x)))`.
    public func silu() -> Tensor {
        Tensor.unary(self, { $0 * Activation.sigmoid($0) }) { x, _ in
            let s = Activation.sigmoid(x)
            return s * (1 + x * (1 - s))
        }
    }

    /// GELU with the exact error function: `x·Φ(x) = ½x(1 + erf(x/√2))`;
    /// derivative `Φ(x) + x·φ(x)`, `φ(x) = e^{−x²/2}/√(2π)`.
    public func gelu() -> Tensor {
        Tensor.unary(self, { 0.5 * $0 * (1 + Foundation.erf($0 * 0.70710678118654752)) }) { x, _ in
            0.5 * (1 + Foundation.erf(x * 0.70710678118654752)) + x * 0.39894228040143268 * Foundation.exp(-0.5 * x * x)
        }
    }
}

/// Scalar helpers shared by the activations.
enum Activation {
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }
}
