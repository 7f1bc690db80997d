/// Matrix products through ``Compute/gemm``.
///
/// Shapes: `[m,k]·[k,n] → [m,n]`; batched `[B,m,k]·[B,k,n] → [B,m,n]`; and `[B,m,k]·[k,n] → [B,m,n]`
/// (a shared right operand, e.g. a weight). VJPs: `∂A = G·Bᵀ`, `∂B = Aᵀ·G` (summed over the
/// batch for a shared `B`).
extension Tensor {
    /// The matrix product `self · other` (see the type's shape rules).
    public func matmul(_ other: Tensor) -> Tensor {
        let a = self, b = other
        let gemm = Compute.gemm
        switch (a.rank, b.rank) {
        case (2, 2), (3, 2):
            let k = a.shape[a.rank - 1]
            precondition(b.shape[0] == k, "matmul: inner extents differ, \(a.shape) · \(b.shape)")
            let m = a.count / Swift.max(k, 1), n = b.shape[1]
            let (va, vb) = (a.storage, b.storage)
            let outShape = Array(a.shape.dropLast()) + [n]
            let y = gemm.multiply(va, vb, m: m, n: n, k: k)
            return Tensor.result(shape: outShape, storage: y, inputs: [a, b]) { g, needed in
                [needed[0] ? gemm.multiply(g, vb, m: m, n: k, k: n, transposeB: true) : nil,
                 needed[1] ? gemm.multiply(va, g, m: k, n: n, k: m, transposeA: true) : nil]
            }
        case (3, 3):
            let (batch, m, k) = (a.shape[0], a.shape[1], a.shape[2])
            precondition(b.shape[0] == batch && b.shape[1] == k,
                         "matmul: batched shapes \(a.shape) · \(b.shape) do not match")
            let n = b.shape[2]
            let (va, vb) = (a.storage, b.storage)
            let y = Tensor.batched(batch, outCount: m * n) { i in
                gemm.multiply(Array(va[(i * m * k)..<((i + 1) * m * k)]), Array(vb[(i * k * n)..<((i + 1) * k * n)]),
                              m: m, n: n, k: k)
            }
            return Tensor.result(shape: [batch, m, n], storage: y, inputs: [a, b]) { g, needed in
                let ga: [Float]? = !needed[0] ? nil : Tensor.batched(batch, outCount: m * k) { i in
                    gemm.multiply(Array(g[(i * m * n)..<((i + 1) * m * n)]), Array(vb[(i * k * n)..<((i + 1) * k * n)]),
                                  m: m, n: k, k: n, transposeB: true)
                }
                let gb: [Float]? = !needed[1] ? nil : Tensor.batched(batch, outCount: k * n) { i in
                    gemm.multiply(Array(va[(i * m * k)..<((i + 1) * m * k)]), Array(g[(i * m * n)..<((i + 1) * m * n)]),
                                  m: k, n: n, k: m, transposeA: true)
                }
                return [ga, gb]
            }
        default:
            preconditionFailure("matmul: unsupported ranks \(a.shape) · \(b.shape)")
        }
    }

    /// Concatenates `batch` blocks of `outCount` values produced by `block`.
    private static func batched(_ batch: Int, outCount: Int, _ block: (Int) -> [Float]) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(batch * outCount)
        for i in 0..<batch { out.append(contentsOf: block(i)) }
        return out
    }
}
