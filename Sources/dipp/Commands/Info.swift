import ArgumentParser
import DIPPData
import DIPPTensor
import Foundation

/// `dipp info`: what this machine gives DIPP — the CPU probe, threads, library versions and
/// the kernel each precision and convolution algorithm runs here.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the CPU probe (features, the ISA level in effect, DIPP_MAX_ISA), threads, library versions and the kernels each precision uses here."
    )

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try reportingErrors {
            try compute.apply(quiet: true)
            for line in Self.lines() { print(line) }
        }
    }

    /// The report, one fact a line: `dipp info` prints all of it, the benchmarks' headers too.
    static func lines() -> [String] {
        let cpu = CPU.current
        let environment = ProcessInfo.processInfo.environment
        func setting(_ name: String) -> String { environment[name].map { "\(name)=\($0)" } ?? "\(name) unset" }
        let libraries = [("oneDNN", cpu.oneDNNVersion), ("LAPACK", cpu.lapackVersion)] + Files.libraryVersions
        var lines = ["dipp \(DIPPCommand.version)"] + cpu.report
        lines.append("threads: \(Compute.threads) (\(setting("DIPP_THREADS")))")
        lines.append("libraries: " + libraries.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        lines.append("precision: \(Compute.precision) (\(setting("DIPP_PRECISION")))")
        for precision in Compute.Precision.allCases {
            lines.append("  \(precision) matrix products: \(cpu.gemmKernel(precision))")
            for algorithm in Compute.ConvolutionAlgorithm.allCases where precision == .fp32 || algorithm == .direct {
                lines.append("  \(precision) convolutions\(precision == .fp32 ? " (\(algorithm))" : ""): \(cpu.convolutionKernel(precision, algorithm))")
            }
        }
        lines.append("convolution: \(Compute.convolutionAlgorithm) (\(setting("DIPP_CONVOLUTION")))")
        return lines
    }
}

/// The machine a benchmark ran on (`dipp info`'s lines, as `#` comments), printed first by every
/// `dipp bench` command so that its figures carry their CPU class.
func printMachineHeader() {
    for line in Info.lines() { print("# \(line)") }
}
