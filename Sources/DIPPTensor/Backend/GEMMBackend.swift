/// A single-precision matrix-multiply kernel: the one place DIPP's dense linear algebra runs.
///
/// Contract: row-major, `C ← α·op(A)·op(B) + β·C` where `op(A)` is `m×k`, `op(B)` is `k×n` and
/// `C` is `m×n`; `op(X) = Xᵀ` when the matching `transpose` flag is set. Leading dimensions are
/// in elements (the row length of the matrix *as stored*). With `β = 0` the old contents of
/// `C` are ignored (NaN included). Implementations may use several threads internally.
public protocol GEMMBackend: Sendable {
    /// A short human-readable name, for benchmarks and logs.
    var name: String { get }

    /// `C ← α·op(A)·op(B) + β·C` (row-major).
    func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)
}

// MARK: - Default implementations

extension GEMMBackend {
    /// `C = op(A)·op(B)` on whole arrays, with dense leading dimensions.
    public func multiply(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int,
                         transposeA: Bool = false, transposeB: Bool = false,
                         accumulatingInto c: [Float]? = nil) -> [Float] {
        precondition(a.count >= m * k && b.count >= k * n, "multiply: operands too small for \(m)x\(k) · \(k)x\(n)")
        if m == 0 || n == 0 || k == 0 { return c ?? [Float](repeating: 0, count: m * n) }
        // With β = 0 the kernel writes every element of C, so a fresh buffer need not be zeroed.
        var out = c ?? [Float](unsafeUninitializedCapacity: m * n) { _, count in count = m * n }
        precondition(out.count == m * n, "multiply: accumulator has \(out.count) values, need \(m * n)")
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                          a: pa.baseAddress!, lda: transposeA ? m : k,
                          b: pb.baseAddress!, ldb: transposeB ? k : n,
                          beta: c == nil ? 0 : 1, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }
}
