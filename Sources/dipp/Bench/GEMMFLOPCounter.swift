import DIPPTensor
import Dispatch
import Foundation

/// Counts the floating-point operations of every matrix product (`2·m·n·k` per GEMM), and the
/// wall time spent inside them, while passing each call on to the backend it wraps — how the
/// benchmarks learn a workload's arithmetic without a hand-written formula that could drift
/// from the code, and how much of a step is not matrix products (products run concurrently by
/// a batched matmul add their times, so the share is then an upper bound).
final class GEMMFLOPCounter: GEMMBackend, @unchecked Sendable {
    let wrapped: any GEMMBackend
    private(set) var flops: Double = 0
    private(set) var seconds: Double = 0
    private let lock = NSLock()

    init(wrapping backend: any GEMMBackend) { wrapped = backend }

    var name: String { wrapped.name }

    func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        wrapped.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        lock.withLock {   // batched products call in from several threads at once
            flops += 2 * Double(m) * Double(n) * Double(k)
            seconds += elapsed
        }
    }

    /// The GEMM FLOPs of one call of `step`, and the fraction of the wall time of `repeats`
    /// calls spent inside GEMMs (after one call not counted), with the counter installed.
    static func measure(_ step: () throws -> Void, repeats: Int = 20) rethrows -> (flops: Double, gemmShare: Double) {
        let previous = Compute.gemm
        let counter = GEMMFLOPCounter(wrapping: previous)
        Compute.gemm = counter
        defer { Compute.gemm = previous }
        try step()
        let flops = counter.flops
        counter.seconds = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { try step() }
        return (flops, counter.seconds / (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9))
    }
}
