import CDIPPBackend
import Foundation

/// Process-wide compute settings: which GEMM kernel runs and on how many threads.
///
/// Set these once at start-up (the `dipp` tool does it from `--threads` / `DIPP_THREADS`),
/// before any work starts; they are read on every matrix multiply.
public enum Compute {
    nonisolated(unsafe) private static var currentBackend: any GEMMBackend = OneDNNGEMM()
    nonisolated(unsafe) private static var configured = false

    /// The GEMM kernel used by every matrix multiply and convolution. Default: ``OneDNNGEMM``.
    public static var gemm: any GEMMBackend {
        get { configureOnce(); return currentBackend }
        set { currentBackend = newValue }
    }

    /// Threads used inside GEMM. Default: `DIPP_THREADS` if set, else all cores.
    public static var threads: Int {
        get { configureOnce(); return Int(dipp_get_threads()) }
        set { configured = true; dipp_set_threads(Int32(max(1, newValue))) }
    }

    /// The widest FMA vector width of this CPU in bits (512, 256, or 0).
    public static var fmaWidth: Int { Int(dipp_fma_width()) }

    /// Measures the single-precision FMA peak of `threads` threads in GFLOP/s
    /// (register-only FMA chains; see `dipp_fma_peak_gflops`).
    public static func measureFMAPeak(threads: Int, iterations: Int = 50_000_000) -> Double {
        dipp_fma_peak_gflops(Int32(threads), Int64(iterations))
    }

    private static func configureOnce() {
        guard !configured else { return }
        configured = true
        let env = ProcessInfo.processInfo.environment["DIPP_THREADS"].flatMap(Int.init)
        dipp_set_threads(Int32(max(1, env ?? ProcessInfo.processInfo.activeProcessorCount)))
    }
}
