import ArgumentParser
import DIPPComponents
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import Foundation

struct RewardSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Label pairs of a generator's samples with a simulated Bradley–Terry annotator whose utility the reward never sees.")

    @Option(help: "Run folder of `dipp distill` / `dipp align` whose samples are judged.") var generator: String
    @Option(help: "Hidden utility.") var utility: HiddenUtility = .strokeMass
    @Option(help: "Pairs to draw.") var count: Int = 2000
    @Option(help: "Annotator noise τ in units of the utility's standard deviation.") var noise: Float = 0.5
    @Option(help: "Pairs file to append to.") var out: String
    @Option(help: "Seed.") var seed: UInt64 = 0
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard count >= 1, noise > 0 else { throw ValidationError("--count must be ≥ 1 and --noise > 0") }
    }

    func run() throws {
        try reportingErrors {
            try compute.apply()
            let source = try PairSource(runFolder: URL(fileURLWithPath: generator), components: CLI.components)
            let pairs = SimulatedAnnotator.pairs(from: source, annotator: SimulatedAnnotator(utility: utility, noise: noise), count: count, seed: seed)
            for pair in pairs { try PreferencePairs.append(pair, to: URL(fileURLWithPath: out)) }
            print("appended \(pairs.count) pairs to \(out) (\(pairs.filter { $0.choice == .tie }.count) ties)")
        }
    }
}
