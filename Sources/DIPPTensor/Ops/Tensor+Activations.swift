import CDIPPBackend
import Foundation

/// Activation functions, each with its exact derivative.
extension Tensor {
    /// `max(x, 0)`; the gradient at 0 is taken as 0.
    public func relu() -> Tensor { Tensor.unary(self, { Swift.max($0, 0) }) { x, _ in x > 0 ? 1 : 0 } }

    /// `tanh x`; derivative `1 − y²`.
    public func tanh() -> Tensor { Tensor.unary(self, Foundation.tanh) { _, y in 1 - y * y } }

    /// Logistic sigmoid `σ(x) = 1/(1 + e⁻ˣ)`; derivative `σ(1 − σ)`. Vectorised kernel.
    public func sigmoid() -> Tensor {
        let s = Tensor.vectorKernel(storage) { x, out, n, _ in dipp_sigmoid(x, out, n) }
        return Tensor.result(shape: shape, storage: s, inputs: [self]) { g, _ in [BroadcastKernels.zip(g, s) { $0 * $1 * (1 - $1) }] }
    }

    /// `softplus(x) = ln(1 + eˣ)`, computed stably; derivative `σ(x)`.
    public func softplus() -> Tensor {
        Tensor.unary(self, { Swift.max($0, 0) + Foundation.log1p(Foundation.exp(-Swift.abs($0))) }) { x, _ in
            Activation.sigmoid(x)
        }
    }

    /// SiLU (swish) `x·σ(x)`; derivative `σ(x)(1 + x(1 − σ(x)))`. Vectorised kernels (the
    /// hottest op of MLP training; see Documentation/Performance.md); σ is kept for the VJP.
    public func silu() -> Tensor { Tensor.keepingSigmoid(self, forward: dipp_silu, backward: dipp_silu_backward) }

    /// Quick GELU (CLIP's activation) `x·σ(1.702x)`; derivative `s + 1.702·x·s(1 − s)`,
    /// `s = σ(1.702x)` kept for the VJP. Vectorised kernels.
    public func quickGELU() -> Tensor { Tensor.keepingSigmoid(self, forward: dipp_quick_gelu, backward: dipp_quick_gelu_backward) }

    /// An activation whose C kernel `forward(x, y, s, n)` also writes a sigmoid `s` that its VJP
    /// kernel `backward(x, s, g, out, n)` reads.
    static func keepingSigmoid(_ t: Tensor, forward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void,
                               backward: @escaping (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void) -> Tensor {
        let x = t.storage
        var sigmoid = [Float](repeating: 0, count: x.count)
        let y = sigmoid.withUnsafeMutableBufferPointer { ps in
            Tensor.vectorKernel(x) { xs, out, n, offset in forward(xs, out, ps.baseAddress! + offset, n) }
        }
        return Tensor.result(shape: t.shape, storage: y, inputs: [t]) { g, _ in
            [sigmoid.withUnsafeBufferPointer { ps in
                g.withUnsafeBufferPointer { pg in
                    Tensor.vectorKernel(x) { xs, out, n, offset in backward(xs, ps.baseAddress! + offset, pg.baseAddress! + offset, out, n) }
                }
            }]
        }
    }

    /// Runs a C kernel `(input, output, count)` over `x` into a new array (in parallel chunks;
    /// `kernel` is also given the chunk's offset for any side arrays).
    static func vectorKernel(_ x: [Float], _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64, Int) -> Void) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        guard !x.isEmpty else { return out }
        x.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                Parallel.forEachChunk(px.count) { r in
                    kernel(px.baseAddress! + r.lowerBound, po.baseAddress! + r.lowerBound, Int64(r.count), r.lowerBound)
                }
            }
        }
        return out
    }

    /// GELU with the error function: `x·Φ(x) = ½x(1 + erf(x/√2))`; derivative `Φ(x) + x·φ(x)`,
    /// `φ(x) = e^{−x²/2}/√(2π)`. Vectorised kernels (erf to 1.5·10⁻⁷ absolute, Abramowitz & Stegun 7.1.26).
    public func gelu() -> Tensor {
        let x = storage
        let y = Tensor.vectorKernel(x) { xs, out, n, _ in dipp_gelu(xs, out, n) }
        return Tensor.result(shape: shape, storage: y, inputs: [self]) { g, _ in
            [g.withUnsafeBufferPointer { pg in Tensor.vectorKernel(x) { xs, out, n, offset in dipp_gelu_backward(xs, pg.baseAddress! + offset, out, n) } }]
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
