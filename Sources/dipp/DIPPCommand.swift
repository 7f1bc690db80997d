import ArgumentParser

/// The `dipp` command-line tool.
@main
struct DIPPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dipp",
        abstract: "Diff-Instruct++: distil diffusion models into one-step generators and align them with rewards.",
        subcommands: [Pretrain.self, Sample.self, Distill.self, Align.self, Reward.self, Label.self, TextTo3DCommand.self, Compare.self, ListComponents.self, Plugin.self, Bench.self]
    )
}

/// `dipp bench …`: performance measurements (figures go into Documentation/Performance.md).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure performance against the machine's peak and peer libraries.",
        subcommands: [BenchGEMM.self, BenchDIStep.self, BenchTextEncoder.self, BenchUNetStep.self]
    )
}
