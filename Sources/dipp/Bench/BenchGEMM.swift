import ArgumentParser
import DIPPTensor
import Foundation

/// `dipp bench gemm`: square sgemm GFLOP/s of DIPP's GEMM backend beside the measured FMA
/// peak and, when installed, OpenBLAS measured in the same run.
struct BenchGEMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "Square sgemm GFLOP/s on 1 and 2 threads beside the machine's measured FMA peak."
    )

    @Option(help: "Matrix sizes n (n×n · n×n), comma-separated.")
    var sizes: String = "256,512,1024,2048"

    @Option(help: "Thread counts, comma-separated.")
    var threads: String = "1,2"

    @Option(help: "Seconds of timed repetitions per measurement (the best repetition is reported).")
    var seconds: Double = 1.0

    @Flag(help: "Skip the OpenBLAS comparison.")
    var noPeer = false

    func run() throws {
        let sizeList = try parseList(sizes, flag: "--sizes")
        let threadList = try parseList(threads, flag: "--threads")
        printMachineHeader()
        let dipp = Compute.gemm
        let peer = noPeer ? nil : OpenBLASPeer.load()
        print("GEMM backend: \(dipp.name); FMA width \(Compute.fmaWidth) bits; \(ProcessInfo.processInfo.activeProcessorCount) cores")
        if let peer { print("peer: \(peer.name)") } else if !noPeer { print("peer: OpenBLAS not found (apt-get install libopenblas0-pthread)") }
        for t in threadList {
            let peak = Compute.measureFMAPeak(threads: t)
            print("\nthreads \(t): " + (peak > 0 ? "measured FMA peak \(format(peak)) GFLOP/s" : "no FMA at ISA level \(CPU.current.level): no peak to compare with"))
            print(pad("n", 6) + pad("DIPP GFLOP/s", 14) + pad("% of peak", 11) + (peer == nil ? "" : pad("OpenBLAS GFLOP/s", 18)))
            for n in sizeList {
                Compute.threads = t
                let ours = measure(n: n) { a, b, c in
                    dipp.sgemm(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n, beta: 0, c: c, ldc: n)
                }
                var line = pad("\(n)", 6) + pad(format(ours), 14) + pad(peak > 0 ? format(100 * ours / peak) : "–", 11)
                if let peer {
                    peer.setThreads(t)
                    line += pad(format(measure(n: n) { a, b, c in peer.sgemm(n: n, a: a, b: b, c: c) }), 18)
                }
                print(line)
            }
        }
    }

    /// Best GFLOP/s of repeated `n×n` multiplies over about `seconds` seconds.
    private func measure(n: Int, _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Double {
        var rng = RandomStream(seed: 1)
        let a = rng.uniform(n * n), b = rng.uniform(n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    body(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)  // warm-up
                    let start = Date()
                    var reps = 0
                    while reps < 3 || Date().timeIntervalSince(start) < seconds {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        body(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
                        reps += 1
                    }
                }
            }
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }

    private func parseList(_ text: String, flag: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(flag) '\(text)' is not a comma-separated list of positive integers. Hint: e.g. \(flag) 256,1024")
        }
        return values.map { $0! }
    }

    private func format(_ x: Double) -> String { String(format: "%.1f", x) }
    private func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: max(width, s.count + 1), withPad: " ", startingAt: 0) }
}
