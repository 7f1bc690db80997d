import ArgumentParser
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import Foundation

/// `dipp reward …`: reward models learned from preference pairs.
struct Reward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reward models learned from preference pairs (Bradley–Terry), and simulated annotators for benchmarks.",
        subcommands: [RewardTrain.self, RewardSimulate.self]
    )
}

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
    @Option(help: "Hidden layer widths, e.g. 128,128.") var hidden: String?
    @Option(help: "Share of pairs held out for accuracy and calibration.") var heldOut: Double?
    @Option(help: "Share of the remaining pairs that picks the epoch (early stopping; 0 keeps the last epoch).") var validation: Double?
    @Option(help: "Seed (weights, split, batch order).") var seed: UInt64?
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try reportingErrors {
            try compute.apply()
            let widths = try hidden.map { text in
                let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { throw ValidationError("--hidden takes positive widths such as 128,128") }
                return values.map { $0! }
            }
            try RewardRun.train(pairsFile: URL(fileURLWithPath: pairs), folder: URL(fileURLWithPath: out)) { c in
                if let epochs { c.training.epochs = epochs }
                if let widths { c.network.hidden = widths }
                if let heldOut { c.training.heldOutFraction = heldOut }
                if let validation { c.training.validationFraction = validation }
                if let seed { c.training.seed = seed }
            }
        }
    }
}

struct RewardSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Label pairs of a generator's samples with a simulated Bradley–Terry annotator whose utility the reward never sees.")

    @Option(help: "Run folder of `dipp distill` / `dipp align` whose samples are judged.") var generator: String
    @Option(help: "Hidden utility: stroke-mass, crispness, centring or uprightness.") var utility: String = HiddenUtility.strokeMass.rawValue
    @Option(help: "Pairs to draw.") var count: Int = 2000
    @Option(help: "Annotator noise τ in units of the utility's standard deviation.") var noise: Float = 0.5
    @Option(help: "Pairs file to append to.") var out: String
    @Option(help: "Seed.") var seed: UInt64 = 0
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try reportingErrors {
            try compute.apply()
            guard let hidden = HiddenUtility(rawValue: utility) else {
                throw ValidationError("unknown utility '\(utility)': choose \(HiddenUtility.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard count >= 1, noise > 0 else { throw ValidationError("--count must be ≥ 1 and --noise > 0") }
            let source = try PairSource(runFolder: URL(fileURLWithPath: generator), components: PluginComponents.standard())
            let pairs = SimulatedAnnotator.pairs(from: source, annotator: SimulatedAnnotator(utility: hidden, noise: noise), count: count, seed: seed)
            for pair in pairs { try PreferencePairs.append(pair, to: URL(fileURLWithPath: out)) }
            print("appended \(pairs.count) pairs to \(out) (\(pairs.filter { $0.choice == .tie }.count) ties)")
        }
    }
}
