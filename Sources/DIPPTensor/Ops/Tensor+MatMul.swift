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
            let y = Tensor.batchedProduct(gemm, batch, va, vb, m: m, n: n, k: k)
            return Tensor.result(shape: [batch, m, n], storage: y, inputs: [a, b]) { g, needed in
                [needed[0] ? Tensor.batchedProduct(gemm, batch, g, vb, m: m, n: k, k: n, transposeB: true) : nil,
                 needed[1] ? Tensor.batchedProduct(gemm, batch, va, g, m: k, n: n, k: m, transposeA: true) : nil]
            }
        default:
            preconditionFailure("matmul: unsupported ranks \(a.shape) · \(b.shape)")
        }
    }

    /// The batched product with the right operand transposed, `[B, m, k]·[B, n, k]ᵀ → [B, m, n]`
    /// (attention's `Q·Kᵀ` without materialising `Kᵀ`). VJPs: `∂A = G·B`, `∂B = Gᵀ·A`.
    public func matmulTransposed(_ other: Tensor) -> Tensor {
        let a = self, b = other
        precondition(a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0] && a.shape[2] == b.shape[2],
                     "matmulTransposed: shapes \(a.shape) · \(b.shape)ᵀ do not match")
        let (batch, m, k, n) = (a.shape[0], a.shape[1], a.shape[2], b.shape[1])
        let (va, vb) = (a.storage, b.storage)
        let gemm = Compute.gemm
        let y = Tensor.batchedProduct(gemm, batch, va, vb, m: m, n: n, k: k, transposeB: true)
        return Tensor.result(shape: [batch, m, n], storage: y, inputs: [a, b]) { g, needed in
            [needed[0] ? Tensor.batchedProduct(gemm, batch, g, vb, m: m, n: k, k: n) : nil,
             needed[1] ? Tensor.batchedProduct(gemm, batch, g, va, m: n, n: k, k: m, transposeA: true) : nil]
        }
    }

    /// `C_i = op(A_i)·op(B_i)` for `i < batch`, the operands dense and back to back (`A_i` holds
    /// `m·k` values, `B_i` `k·n`, `C_i` `m·n`). The batch is split over the threads, each product
    /// run by one thread (oneDNN's GEMM inside a parallel region runs serially): attention's many
    /// small per-head products cost one parallel region, not one each, and no copies.
    static func batchedProduct(_ gemm: any GEMMBackend, _ batch: Int, _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int,
                               transposeA: Bool = false, transposeB: Bool = false) -> [Float] {
        precondition(a.count == batch * m * k && b.count == batch * k * n, "matmul: batched operands do not fit \(batch)×\(m)x\(k)·\(k)x\(n)")
        var out = [Float](repeating: 0, count: batch * m * n)
        guard batch > 0, m > 0, n > 0, k > 0 else { return out }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    let (a0, b0, c0) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                    Parallel.forEachChunk(batch, elementsPerItem: m * n * k) { range in
                        for i in range {
                            gemm.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                       a: a0 + i * m * k, lda: transposeA ? m : k, b: b0 + i * k * n, ldb: transposeB ? k : n,
                                       beta: 0, c: c0 + i * m * n, ldc: n)
                        }
                    }
                }
            }
        }
        return out
    }
}
