import ArgumentParser
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation

/// `dipp reward score`: a reward applied to saved samples.
struct RewardScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score saved samples (dipp sample --save, or any safetensors file with 'samples') with any reward; per-sample values and a summary.")

    @Option(help: ArgumentHelp("The reward: a registered name, rm:RUN, a plugin PATH.so or ffi:…", valueName: CLI.valueName("reward"))) var reward: String
    @Option(help: "The teacher the samples' data belongs to: a dipp pretrain run folder or diffusers:DIR (the reward is built for its data).") var teacher: String
    @Option(help: "Safetensors file with 'samples' [N, …] and optionally 'labels' [N] (−1 = ∅).") var samples: String
    @Option(help: "Text-conditioned teachers: a file of prompts, one per line, one per sample.") var prompts: String?
    @Option(help: "Write the summary and every sample's value to this JSON file.") var out: String?

    func run() throws {
        try reportingErrors {
            let promptList = try prompts.map { path -> [String] in
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ConfigurationError(location: path, what: "cannot read the prompts file", hint: "a UTF-8 text file, one prompt per line")
                }
                return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            }
            let result = try RewardScores.score(reward: ComponentSpec(absolutePluginPath(reward)), teacher: teacher,
                                                samples: URL(fileURLWithPath: samples), prompts: promptList, components: CLI.components)
            print(String(format: "%@ on %d samples of %@: %.4f ± %.4f (mean ± sd), min %.4f, max %.4f",
                         result.reward, result.count, samples, result.mean, result.standardDeviation, result.minimum, result.maximum))
            if let out {
                try ConfigurationFile.write(result, to: URL(fileURLWithPath: out))
                print("per-sample values → \(out)")
            }
        }
    }
}
