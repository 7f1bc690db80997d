import ArgumentParser
import DIPPTensor
import Foundation

/// The `dipp` command-line tool.
@main
struct DIPPCommand: ParsableCommand {
    /// DIPP's version (`dipp --version`, `dipp info`).
    static let version = "0.9.0"

    static let configuration = CommandConfiguration(
        commandName: "dipp",
        abstract: "Diff-Instruct++: distil diffusion models into one-step generators and align them with rewards.",
        version: version,
        subcommands: [Pretrain.self, WriteImages.self, Sample.self, Denoise.self, Export.self, Distill.self, Align.self, Reward.self, Label.self, TextTo3DCommand.self, Compare.self, SweepCommand.self, ListComponents.self,
                      Plugin.self, Bench.self, Info.self]
    )

    /// Refuses a malformed compute variable of the environment (`DIPP_PRECISION`,
    /// `DIPP_CONVOLUTION`, `DIPP_THREADS`, `DIPP_MAX_ISA`) with exit status 1 before any command
    /// runs, then parses and runs the command as ArgumentParser does.
    static func main() {
        do {
            try Compute.checkEnvironment()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(1)
        }
        main(nil)
    }
}
