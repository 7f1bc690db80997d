import CDIPPBackend
import Foundation

/// Process-wide compute settings: which GEMM kernel runs and on how many threads.
///
/// Set these once at start-up (the `dipp` tool does it from `--threads` / `DIPP_THREADS`),
/// before any work starts; they are read on every matrix multiply.
public enum Compute {
    nonisolated(unsafe) private static var currentBackend: (any GEMMBackend)?
    nonisolated(unsafe) private static var configured = false

    /// The GEMM kernel used by every matrix multiply. Default: ``OneDNNGEMM``, or
    /// ``OneDNNBF16GEMM`` when `DIPP_PRECISION=bf16` (see ``precision``); inside
    /// ``using(_:_:)``, that call's kernel.
    public static var gemm: any GEMMBackend {
        get {
            if let backend = scopedBackend ?? currentBackend { return backend }
            let backend = Precision.fromEnvironment().backend
            currentBackend = backend
            return backend
        }
        set { currentBackend = newValue }
    }

    /// The kernel of the current task inside ``using(_:_:)``.
    @TaskLocal private static var scopedBackend: (any GEMMBackend)?

    /// Runs `body` with `backend` as ``gemm`` for this task (and the tasks it creates) alone:
    /// other threads keep the process-wide kernel. For tests and comparisons that must not
    /// change the setting under work running alongside.
    public static func using<T>(_ backend: any GEMMBackend, _ body: () throws -> T) rethrows -> T {
        try $scopedBackend.withValue(backend, operation: body)
    }

    /// The precision of the matrix products.
    public enum Precision: String, Sendable, CaseIterable {
        /// Single precision throughout (the default; every figure in the docs unless marked).
        case fp32
        /// Operands rounded to bfloat16, fp32 accumulation and fp32 everywhere else (``OneDNNBF16GEMM``).
        case bf16

        var backend: any GEMMBackend { self == .bf16 ? OneDNNBF16GEMM() : OneDNNGEMM() }

        /// `DIPP_PRECISION` (`fp32` or `bf16`; unset means fp32). A value that names neither is
        /// refused by ``Compute/checkEnvironment(_:)`` (which `dipp` runs first); a library
        /// that did not check it gets fp32 and a warning.
        static func fromEnvironment() -> Precision {
            Compute.lenient { try Compute.setting("DIPP_PRECISION", as: Precision.self) } ?? .fp32
        }
    }

    /// Which kernel ``gemm`` is: bf16 for ``OneDNNBF16GEMM``, fp32 otherwise. Setting it installs
    /// ``OneDNNGEMM`` or ``OneDNNBF16GEMM``.
    public static var precision: Precision {
        get { gemm is OneDNNBF16GEMM ? .bf16 : .fp32 }
        set { gemm = newValue.backend }
    }

    /// How convolutions are computed where there is a choice.
    public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
        /// Every product of the convolution sum (oneDNN's direct kernels).
        case direct
        /// Winograd F(4×4, 3×3) where oneDNN has it — fp32, 3×3 kernels, stride 1, channel counts
        /// that are multiples of 16, an AVX-512 CPU — with 2.25× fewer multiplications and a larger
        /// rounding error (Documentation/Performance.md); direct everywhere else.
        case winograd

        /// `DIPP_CONVOLUTION` (`direct` or `winograd`; unset means the default; invalid: as
        /// ``Precision``'s).
        static func fromEnvironment(default fallback: ConvolutionAlgorithm) -> ConvolutionAlgorithm {
            Compute.lenient { try Compute.setting("DIPP_CONVOLUTION", as: ConvolutionAlgorithm.self) } ?? fallback
        }
    }

    /// The convolution algorithm (``ConvolutionAlgorithm``): `DIPP_CONVOLUTION`, else Winograd
    /// where it applies — 1.3× faster on the fp32 U-Net step, with a relative error of about
    /// 2e-6 against 4e-7 for direct (tested; Documentation/Performance.md).
    nonisolated(unsafe) public static var convolutionAlgorithm = ConvolutionAlgorithm.fromEnvironment(default: .winograd)

    /// Threads used inside GEMM. Default: `DIPP_THREADS` if set, else all cores.
    public static var threads: Int {
        get { configureOnce(); return Int(dipp_get_threads()) }
        set { configured = true; dipp_set_threads(Int32(clamping: max(1, newValue))) }
    }

    /// The widest FMA vector width in effect in bits (512, 256, or 0; ``CPU/level``).
    public static var fmaWidth: Int { Int(dipp_fma_width()) }

    /// Measures the single-precision FMA peak of `threads` threads in GFLOP/s
    /// (register-only FMA chains; see `dipp_fma_peak_gflops`).
    public static func measureFMAPeak(threads: Int, iterations: Int = 50_000_000) -> Double {
        dipp_fma_peak_gflops(Int32(threads), Int64(iterations))
    }

    /// Calls `body` on disjoint, contiguous ranges covering `0..<count`, on ``threads`` threads
    /// when the loop is large enough to gain. Each element belongs to one range alone, so a loop
    /// that writes only its own elements gives the same results on any thread count.
    public static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachChunk(count, body)
    }

    private static func configureOnce() {
        guard !configured else { return }
        configured = true
        let env = lenient { try threadsSetting(ProcessInfo.processInfo.environment) }
        dipp_set_threads(Int32(env ?? ProcessInfo.processInfo.activeProcessorCount))
    }
}
