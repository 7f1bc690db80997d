import ArgumentParser
import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation

/// `dipp align`: DI++ with a reward.
struct Align: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Align a generator with a reward by DI++ (reward + IKL/SiD regularisation + CFG).",
                                                    discussion: RunOptions.defaultsDiscussion(.alignDefaults))

    @OptionGroup var options: RunOptions
    @Option(help: ArgumentHelp("Reward: a registered name, rm:RUN (learned by `dipp reward train`), PATH.so (a dipp.reward/1 plugin), or ffi:PATH:'float f(const float *x, int64_t n)'[;grad=…] (`dipp components reward`).",
                               valueName: CLI.valueName("reward"))) var reward: String?
    @Option(name: .customLong("reward-hyperparameter"), help: "A reward plugin's hyper-parameter, name=value (repeatable).")
    var rewardHyperparameters: [String] = []
    @Option(help: "Reward scale α_rew (0 = a control run that still logs the reward).") var rewardScale: Float?
    @Option(help: "One of the paper's configurations (sets α_cfg and α_rew).") var preset: Preset?
    @Option(help: "Initialise the generator from this distilled run (its generator.safetensors).") var initFrom: String?

    func run() throws {
        try reportingErrors {
            var provenance = ConfigurationProvenance()
            let c = try options.configuration(defaults: .alignDefaults, preset: preset, reward: reward,
                                              rewardHyperparameters: rewardHyperparameters, rewardScale: rewardScale, provenance: &provenance)
            try options.execute(c, provenance: provenance,
                                initialWeights: initFrom.map { URL(fileURLWithPath: $0).appendingPathComponent("generator.safetensors") })
        }
    }
}
