import ArgumentParser
import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation

/// `dipp distill`: Diff-Instruct (α_rew = 0).
struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Distil the teacher into a one-step generator (Diff-Instruct: DI++ with α_rew = 0).",
                                                    discussion: RunOptions.defaultsDiscussion(.distillDefaults))

    @OptionGroup var options: RunOptions

    func run() throws {
        try reportingErrors {
            var provenance = ConfigurationProvenance()
            var c = try options.configuration(defaults: .distillDefaults, preset: nil, reward: nil, rewardScale: nil, provenance: &provenance)
            c.algorithm.rewardScale = 0
            c.reward = "none"
            try options.execute(c, provenance: provenance)
        }
    }
}
