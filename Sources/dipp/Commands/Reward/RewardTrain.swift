import ArgumentParser
import DIPPComponents
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import Foundation

struct RewardTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a reward model on PAIRS.jsonl with the Bradley–Terry loss (ties allowed).",
        discussion: """
        Writes reward.safetensors + reward.json (use it with `dipp align --reward rm:RUN`), report.md/.json (held-out \
        pairwise accuracy, calibration) and loss-curve.svg into --out. Conditioning follows the pairs: on the prompt if \
        they have prompts, else on the class label.
        """)

    @Option(help: "The pairs file (one JSON object per line; `dipp label` and `dipp reward simulate` write them).") var pairs: String
    @Option(help: "Folder for the reward model and its report.") var out: String
    @Option(help: "Epochs.") var epochs: Int?
    @Option(help: "Hidden layer widths, e.g. 128,128.") var hidden: PositiveIntegers?
    @Option(help: "Share of pairs held out for accuracy and calibration.") var heldOut: Double?
    @Option(help: "Share of the remaining pairs that picks the epoch (early stopping; 0 keeps the last epoch).") var validation: Double?
    @Option(help: "Seed (weights, split, batch order).") var seed: UInt64?
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try reportingErrors {
            try compute.apply()
            try RewardRun.train(pairsFile: URL(fileURLWithPath: pairs), folder: URL(fileURLWithPath: out), components: CLI.components) { c in
                if let epochs { c.training.epochs = epochs }
                if let hidden { c.network.hidden = hidden.values }
                if let heldOut { c.training.heldOutFraction = heldOut }
                if let validation { c.training.validationFraction = validation }
                if let seed { c.training.seed = seed }
            }
        }
    }
}
