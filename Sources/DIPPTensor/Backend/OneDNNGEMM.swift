import CDIPPBackend

/// GEMM through oneDNN's `dnnl_sgemm` (Debian `libdnnl-dev`), which picks its kernel from the
/// CPU's instruction-set features at run time (AVX-512, AVX2, …) rather than from a model
/// table, so it runs at full speed on CPUs newer than the library. Threads: OpenMP, set with
/// ``Compute/threads``. Chosen after measurement; see `Documentation/Performance.md`.
public struct OneDNNGEMM: GEMMBackend {
    public init() {}

    public var name: String { "oneDNN sgemm" }

    public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let status = dipp_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha,
                                a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == 0, "dnnl_sgemm failed with status \(status) for m=\(m) n=\(n) k=\(k)")
    }
}
