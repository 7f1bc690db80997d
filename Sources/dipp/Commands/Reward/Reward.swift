import ArgumentParser
import DIPPComponents
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import Foundation

/// `dipp reward …`: reward models learned from preference pairs.
struct Reward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reward models learned from preference pairs (Bradley–Terry), simulated annotators for benchmarks, and any reward on saved samples.",
        subcommands: [RewardTrain.self, RewardTrainCLIP.self, RewardSimulate.self, RewardScore.self]
    )
}
