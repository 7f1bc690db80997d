import DIPPTensor

/// Counts the floating-point operations of every matrix product (`2·m·n·k` per GEMM) while
/// passing each call on to the backend it wraps — how the benchmarks learn a workload's
/// arithmetic without a hand-written formula that could drift from the code.
final class GEMMFLOPCounter: GEMMBackend, @unchecked Sendable {
    let wrapped: any GEMMBackend
    private(set) var flops: Double = 0

    init(wrapping backend: any GEMMBackend) { wrapped = backend }

    var name: String { wrapped.name }

    func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        flops += 2 * Double(m) * Double(n) * Double(k)
        wrapped.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// The GEMM FLOPs of one call of `step` (run once with the counter installed).
    static func flops(of step: () throws -> Void) rethrows -> Double {
        let previous = Compute.gemm
        let counter = GEMMFLOPCounter(wrapping: previous)
        Compute.gemm = counter
        defer { Compute.gemm = previous }
        try step()
        return counter.flops
    }
}
