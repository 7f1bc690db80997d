/// Broadcasting element-wise arithmetic: `+ − × ÷` between tensors (NumPy broadcasting) and
/// with scalars. Each VJP sums the incoming gradient over the broadcast axes.
extension Tensor {
    private static func broadcastShape(_ a: Tensor, _ b: Tensor, _ op: String) -> [Int] {
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        return shape
    }

    /// `a + b`.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastShape(a, b, "+")
        let (sa, sb) = (a.shape, b.shape)
        return result(shape: out, storage: BroadcastKernels.binary(a.storage, sa, b.storage, sb, out, +),
                      inputs: [a, b]) { g, needed in
            [needed[0] ? BroadcastKernels.reduce(g, from: out, to: sa) : nil,
             needed[1] ? BroadcastKernels.reduce(g, from: out, to: sb) : nil]
        }
    }

    /// `a − b`.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastShape(a, b, "-")
        let (sa, sb) = (a.shape, b.shape)
        return result(shape: out, storage: BroadcastKernels.binary(a.storage, sa, b.storage, sb, out, -),
                      inputs: [a, b]) { g, needed in
            [needed[0] ? BroadcastKernels.reduce(g, from: out, to: sa) : nil,
             needed[1] ? BroadcastKernels.reduce(BroadcastKernels.map(g) { -$0 }, from: out, to: sb) : nil]
        }
    }

    /// `a ⊙ b` (element-wise product). `∂/∂a = g ⊙ b`, `∂/∂b = g ⊙ a`.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastShape(a, b, "*")
        let (sa, sb, va, vb) = (a.shape, b.shape, a.storage, b.storage)
        return result(shape: out, storage: BroadcastKernels.binary(va, sa, vb, sb, out, *),
                      inputs: [a, b]) { g, needed in
            [needed[0] ? BroadcastKernels.reduce(BroadcastKernels.binary(g, out, vb, sb, out, *), from: out, to: sa) : nil,
             needed[1] ? BroadcastKernels.reduce(BroadcastKernels.binary(g, out, va, sa, out, *), from: out, to: sb) : nil]
        }
    }

    /// `a ⊘ b` (element-wise quotient). `∂/∂a = g/b`, `∂/∂b = −g·a/b²`.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastShape(a, b, "/")
        let (sa, sb, va, vb) = (a.shape, b.shape, a.storage, b.storage)
        let y = BroadcastKernels.binary(va, sa, vb, sb, out, /)
        return result(shape: out, storage: y, inputs: [a, b]) { g, needed in
            let gOverB = BroadcastKernels.binary(g, out, vb, sb, out, /)
            return [needed[0] ? BroadcastKernels.reduce(gOverB, from: out, to: sa) : nil,
                    needed[1] ? BroadcastKernels.reduce(BroadcastKernels.zip(gOverB, y) { -$0 * $1 }, from: out, to: sb) : nil]
        }
    }

    /// `−a`.
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
    public static func / (a: Tensor, b: Float) -> Tensor { a * Tensor(1 / b) }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }
}
