import ArgumentParser
import DIPPTensor
import Foundation

/// `dipp bench …`: performance measurements (figures go into Documentation/Performance.md).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure performance against the machine's peak and peer libraries.",
        subcommands: [BenchGEMM.self, BenchDIStep.self, BenchTextEncoder.self, BenchUNetStep.self, BenchDiffusersUNet.self, BenchCLIPVision.self]
    )
}

/// Seconds of each of `count` calls of `step` (after one untimed warm-up call), sorted.
func timedSteps(_ count: Int, _ step: () throws -> Void) rethrows -> [Double] {
    try step()
    var times: [Double] = []
    for _ in 0..<count {
        let start = DispatchTime.now().uptimeNanoseconds
        try step()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    }
    return times.sorted()
}
