import ArgumentParser
import DIPPTensor
import Foundation

/// `dipp bench …`: performance measurements (figures go into Documentation/Performance.md).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure performance against the machine's peak and peer libraries.",
        subcommands: [BenchGEMM.self, BenchDIStep.self, BenchTextEncoder.self, BenchUNetStep.self, BenchDiffusersUNet.self]
    )
}
