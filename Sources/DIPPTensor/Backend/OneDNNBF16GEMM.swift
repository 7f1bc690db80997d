import CDIPPBackend

/// GEMM at reduced precision: both operands rounded to bfloat16 (8 significant bits, nearest
/// even) and multiplied with fp32 accumulation by oneDNN's `dnnl_gemm_bf16bf16f32` — the
/// AVX512-BF16 dot products of AMD Zen 4 and the AMX tiles of recent Xeons. The result and
/// everything outside the matrix products (weights, optimizer state, element-wise work) stay
/// fp32; the operands are converted on every call (a dense layer rounds each operand once for
/// its forward and backward products: ``rounded(_:)``). Relative error of a product ≈ 2⁻⁸ per
/// operand element, averaging out over the inner dimension (measured in
/// `Documentation/Performance.md`). Selected by `DIPP_PRECISION=bf16` (``Compute/precision``).
///
/// Where oneDNN has no bf16 GEMM (a CPU without AVX-512, or `DIPP_MAX_ISA` below it:
/// ``CPU/bf16GEMM``) the product is emulated: the same rounded operands, widened back to fp32 and
/// multiplied by oneDNN's sgemm — the same numbers up to the order of summation, at fp32 speed —
/// so that runs in bf16 compare across machines.
public struct OneDNNBF16GEMM: GEMMBackend {
    public init() {}

    public var name: String { CPU.current.bf16GEMM ? "oneDNN bf16 GEMM (fp32 accumulation)" : "bf16 emulated (rounded operands, oneDNN sgemm)" }

    public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let status = dipp_gemm_bf16(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha,
                                    a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == 0, "bf16 GEMM failed with status \(status) for m=\(m) n=\(n) k=\(k) (out of memory?)")
    }
}

extension OneDNNBF16GEMM {
    /// `values` rounded to bfloat16 (nearest even), for operands that enter several products:
    /// rounded once, multiplied by ``multiplyRounded(_:_:m:n:k:transposeA:transposeB:)`` each time.
    public func rounded(_ values: [Float]) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: values.count) { buffer, initialized in
            if !values.isEmpty { dipp_to_bf16(values, buffer.baseAddress!, 1, Int64(values.count), Int64(values.count)) }
            initialized = values.count
        }
    }

    /// `op(A)·op(B)` of operands already rounded (dense, row-major): the same values as
    /// ``GEMMBackend/multiply(_:_:m:n:k:transposeA:transposeB:accumulatingInto:)`` on their fp32 forms.
    public func multiplyRounded(_ a: [UInt16], _ b: [UInt16], m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) -> [Float] {
        precondition(a.count >= m * k && b.count >= k * n, "multiply: operands too small for \(m)x\(k) · \(k)x\(n)")
        if m == 0 || n == 0 || k == 0 { return [Float](repeating: 0, count: m * n) }
        return [Float](unsafeUninitializedCapacity: m * n) { c, initialized in
            let status = dipp_gemm_bf16_rounded(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), 1, a, b, 0,
                                                c.baseAddress!, Int64(n))
            precondition(status == 0, "bf16 GEMM failed with status \(status) for m=\(m) n=\(n) k=\(k) (out of memory?)")
            initialized = m * n
        }
    }
}
