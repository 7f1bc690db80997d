import DIPPTensor
import Testing

/// Every GEMM kernel against the naive Double-accumulating reference: odd sizes, size-1
/// extents, all transposes, non-trivial α/β, padded leading dimensions, 1 and 2 threads.
@Suite(.serialized) struct GEMMTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let m, n, k: Int
        let transposeA, transposeB: Bool
        var testDescription: String { "\(m)x\(n)x\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N")" }
    }

    static let cases: [Case] = {
        let sizes = [(1, 1, 1), (3, 5, 7), (17, 13, 29), (64, 1, 33), (1, 64, 5), (128, 96, 200), (257, 31, 65)]
        return sizes.flatMap { s in
            [(false, false), (true, false), (false, true), (true, true)].map { Case(m: s.0, n: s.1, k: s.2, transposeA: $0.0, transposeB: $0.1) }
        }
    }()

    @Test(arguments: cases, [1, 2])
    func oneDNNMatchesReference(_ c: Case, threads: Int) {
        Compute.threads = threads
        let padA = 3, padB = 2, padC = 1
        let (rowsA, colsA) = c.transposeA ? (c.k, c.m) : (c.m, c.k)
        let (rowsB, colsB) = c.transposeB ? (c.n, c.k) : (c.k, c.n)
        let (lda, ldb, ldc) = (colsA + padA, colsB + padB, c.n + padC)
        var rng = RandomStream(seed: UInt64(c.m * 1000 + c.n * 10 + c.k))
        let a = rng.uniform(rowsA * lda, in: -1...1), b = rng.uniform(rowsB * ldb, in: -1...1)
        let c0 = rng.uniform(c.m * ldc, in: -1...1)
        func run(_ backend: any GEMMBackend) -> [Float] {
            var out = c0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { pc in
                        backend.sgemm(transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: 0.75,
                                      a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                      beta: -0.5, c: pc.baseAddress!, ldc: ldc)
                    }
                }
            }
            return out
        }
        let fast = run(OneDNNGEMM()), reference = run(ReferenceGEMM())
        // bf16: the product of the operands rounded to bfloat16, accumulated in fp32.
        let bf16 = run(OneDNNBF16GEMM())
        let roundedReference: [Float] = {
            var out = c0
            let (ra, rb) = (a.map(Self.bfloat16), b.map(Self.bfloat16))
            ra.withUnsafeBufferPointer { pa in
                rb.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { pc in
                        ReferenceGEMM().sgemm(transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: 0.75,
                                              a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: -0.5, c: pc.baseAddress!, ldc: ldc)
                    }
                }
            }
            return out
        }()
        // Float32 accumulation over k terms of size ≤ 1: error ≲ k·2⁻²⁴ per element; allow 1e-5·k.
        let tolerance = 1e-5 * Float(c.k) + 1e-6
        let worst = zip(fast, reference).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance, "\(c.testDescription), \(threads) threads: max error \(worst)")
        let worstBF16 = zip(bf16, roundedReference).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worstBF16 <= tolerance, "bf16 \(c.testDescription), \(threads) threads: max error \(worstBF16) against the rounded operands' product")
        // Padding columns of C beyond n must be untouched.
        for row in 0..<c.m { for j in c.n..<ldc { #expect(fast[row * ldc + j] == c0[row * ldc + j] && bf16[row * ldc + j] == c0[row * ldc + j]) } }
        Compute.threads = 2
    }

    /// Round to nearest even on the upper 16 bits of the fp32 pattern (written independently of
    /// the kernel's C).
    static func bfloat16(_ x: Float) -> Float {
        let u = x.bitPattern
        return Float(bitPattern: ((u &+ 0x7fff &+ ((u >> 16) & 1)) >> 16) << 16)
    }

    /// bfloat16 keeps 7 fraction bits: spacing 2⁻⁷ at 1. Ties go to the even neighbour; NaN stays NaN.
    @Test func bf16RoundsToNearestEven() {
        let gemm = OneDNNBF16GEMM()
        #expect(gemm.multiply([1 + 0x1p-8], [1], m: 1, n: 1, k: 1) == [1])
        #expect(gemm.multiply([1 + 3 * 0x1p-8], [1], m: 1, n: 1, k: 1) == [1 + 0x1p-6])
        #expect(gemm.multiply([1 + 0x1p-7 + 0x1p-9], [1], m: 1, n: 1, k: 1) == [1 + 0x1p-7])
        #expect(gemm.multiply([.nan], [1], m: 1, n: 1, k: 1)[0].isNaN)
        #expect(gemm.multiply([3], [-2], m: 1, n: 1, k: 1) == [-6])
    }

    /// Operands rounded once (``OneDNNBF16GEMM/rounded(_:)``) multiply to exactly the values of
    /// the product that rounds them on every call, in each transposition; the rounding is the
    /// independent ``bfloat16(_:)``.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func preroundedOperandsGiveTheSameProduct(_ transposes: (Bool, Bool)) {
        let gemm = OneDNNBF16GEMM()
        let (m, n, k) = (37, 29, 53)
        let a = TestInputs.normal([m * k], seed: 12).storage, b = TestInputs.normal([k * n], seed: 13).storage
        #expect(gemm.rounded(a) == a.map { UInt16(Self.bfloat16($0).bitPattern >> 16) })
        let once = gemm.multiplyRounded(gemm.rounded(a), gemm.rounded(b), m: m, n: n, k: k, transposeA: transposes.0, transposeB: transposes.1)
        let everyCall = gemm.multiply(a, b, m: m, n: n, k: k, transposeA: transposes.0, transposeB: transposes.1)
        #expect(once == everyCall)
        #expect(gemm.multiplyRounded([], [], m: 2, n: 3, k: 0) == [Float](repeating: 0, count: 6))
    }

    /// The vectorised rounding (32 values a step, then a scalar tail) on the edge cases: ties to
    /// even, overflow to infinity, infinities, signed zeros, subnormals, NaN kept quiet.
    @Test func roundingEdgeCases() {
        let edges: [Float] = [0, -0.0, 1 + 0x1p-8, 1 + 3 * 0x1p-8, -(1 + 0x1p-8), .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                              .infinity, -.infinity, .leastNonzeroMagnitude, 0x1p-130, -0x1.fffp-127, 65504, 1e-3, -7.25]
        let values = (0..<5).flatMap { _ in edges } + [.nan, -.nan, 1]                            // 78 values
        let bits = OneDNNBF16GEMM().rounded(values)
        for (v, b) in zip(values, bits) where !v.isNaN { #expect(b == UInt16(Self.bfloat16(v).bitPattern >> 16), "\(v)") }
        #expect(Float(bitPattern: UInt32(bits[75]) << 16).isNaN && bits[75] & 0x40 != 0 && Float(bitPattern: UInt32(bits[76]) << 16).isNaN)
        #expect(Self.bfloat16(.greatestFiniteMagnitude) == .infinity && Self.bfloat16(1 + 0x1p-8) == 1)
    }

    @Test func multiplyHelperHandlesEmptyAndZeroInner() {
        let gemm = OneDNNGEMM()
        #expect(gemm.multiply([], [], m: 2, n: 3, k: 0) == [Float](repeating: 0, count: 6))
        #expect(gemm.multiply([1, 2], [3, 4], m: 1, n: 1, k: 2) == [11])
    }

    /// The bf16 kernel (native or emulated) called directly with an empty inner dimension: an
    /// empty sum, so C ← βC; with no rows nothing is touched.
    @Test func bf16KernelHandlesEmptyExtents() {
        var c: [Float] = [1, 2, 3, 4]
        let one: [Float] = [1]
        c.withUnsafeMutableBufferPointer { pc in
            OneDNNBF16GEMM().sgemm(transposeA: true, transposeB: false, m: 2, n: 2, k: 0, alpha: 1, a: one, lda: 2, b: one, ldb: 2,
                                   beta: 2, c: pc.baseAddress!, ldc: 2)
        }
        #expect(c == [2, 4, 6, 8])
        c.withUnsafeMutableBufferPointer { pc in
            OneDNNBF16GEMM().sgemm(transposeA: false, transposeB: false, m: 0, n: 2, k: 3, alpha: 1, a: one, lda: 3, b: one, ldb: 2,
                                   beta: 0, c: pc.baseAddress!, ldc: 2)
        }
        #expect(c == [2, 4, 6, 8])
    }
}
