import Foundation

/// Debian's OpenBLAS, loaded at run time only for comparison in benchmarks (DIPP itself never
/// links it): `cblas_sgemm` and `openblas_set_num_threads` through `dlsym`.
struct OpenBLASPeer {
    typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float,
                                      UnsafePointer<Float>, Int32, UnsafePointer<Float>, Int32, Float,
                                      UnsafeMutablePointer<Float>, Int32) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void
    typealias CoreName = @convention(c) () -> UnsafePointer<CChar>

    let name: String
    private let sgemmFunction: SGEMM
    private let setThreadsFunction: SetThreads

    static func load() -> OpenBLASPeer? {
        for path in ["libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"] {
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL),
                  let gemm = dlsym(handle, "cblas_sgemm"),
                  let threads = dlsym(handle, "openblas_set_num_threads") else { continue }
            var core = "unknown core"
            if let corename = dlsym(handle, "openblas_get_corename") {
                core = String(cString: unsafeBitCast(corename, to: CoreName.self)())
            }
            return OpenBLASPeer(name: "OpenBLAS (\(path), kernel \(core))",
                                sgemmFunction: unsafeBitCast(gemm, to: SGEMM.self),
                                setThreadsFunction: unsafeBitCast(threads, to: SetThreads.self))
        }
        return nil
    }

    func setThreads(_ n: Int) { setThreadsFunction(Int32(n)) }

    /// Row-major `C = A·B` for `n×n` matrices (CblasRowMajor = 101, CblasNoTrans = 111).
    func sgemm(n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        let n32 = Int32(n)
        sgemmFunction(101, 111, 111, n32, n32, n32, 1, a, n32, b, n32, 0, c, n32)
    }
}
