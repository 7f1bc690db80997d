import CDIPPBackend

/// GEMM at reduced precision: both operands rounded to bfloat16 (8 significant bits, nearest
/// even) and multiplied with fp32 accumulation by oneDNN's `dnnl_gemm_bf16bf16f32` — the
/// AVX512-BF16 dot products of AMD Zen 4 and the AMX tiles of recent Xeons. The result and
/// everything outside the matrix products (weights, optimizer state, element-wise work) stay
/// fp32; the operands are converted on every call. Relative error of a product ≈ 2⁻⁸ per
/// operand element, averaging out over the inner dimension (measured in
/// `Documentation/Performance.md`). Selected by `DIPP_PRECISION=bf16` (``Compute/precision``).
public struct OneDNNBF16GEMM: GEMMBackend {
    public init() {}

    public var name: String { "oneDNN bf16 GEMM (fp32 accumulation)" }

    public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let status = dipp_gemm_bf16(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha,
                                    a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == 0, "dnnl_gemm_bf16bf16f32 failed with status \(status) for m=\(m) n=\(n) k=\(k)")
    }
}
