import DIPPComponents
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

/// Draws pairs to judge from a distilled or aligned generator: a uniform class (and, for a
/// text-conditioned run, a uniform prompt of that class), then two samples for that same
/// condition (one network evaluation each, seeded).
public struct PairSource {
    public let generator: any Generator
    public let conditioner: Conditioner
    public let classCount: Int
    public let sampleShape: [Int]
    /// The data's image size and class names (what a page needs to show a sample).
    public let imageSize: (height: Int, width: Int)?
    public let classNames: [String]
    /// Where the samples come from.
    public let runFolder: URL

    public init(runFolder: URL, components: Components = .standard()) throws {
        let run = try AlignmentRun.finished(runFolder: runFolder, components: components)
        (generator, conditioner, classCount, sampleShape, self.runFolder) =
            (run.generator, run.conditioner, run.train.classCount, run.train.sampleShape, runFolder)
        (imageSize, classNames) = (run.train.imageSize, run.train.classNames)
        generator.setTrainable(false)
    }

    /// One unjudged pair: its class, its prompt (text runs) and the two samples.
    public struct Draw: Sendable {
        public let label: Int
        public let prompt: String?
        public let left: [Float], right: [Float]
    }

    /// `count` pairs.
    public func draw(_ count: Int, rng: inout RandomStream) -> [Draw] {
        guard count > 0 else { return [] }
        // Data without classes: every pair is unconditional (∅).
        let labels = (0..<count).map { _ in classCount > 0 ? rng.integer(below: classCount) : Conditions.nullLabel }
        let prompts = conditioner.promptsByClass.map { byClass in labels.map { byClass[$0][rng.integer(below: byClass[$0].count)] } }
        // Left samples of every pair, then right samples: one batch of 2·count.
        let conditions = prompts.map { conditioner.conditions(prompts: $0 + $0) } ?? Conditions(labels: labels + labels)
        let latents = generator.sampleLatents(count: 2 * count, rng: &rng)
        let x = withoutGradients { generator(latents, conditions: conditions).storage }
        let d = sampleShape.reduce(1, *)
        return (0..<count).map { i in
            Draw(label: labels[i], prompt: prompts?[i], left: Array(x[(i * d)..<((i + 1) * d)]),
                 right: Array(x[((count + i) * d)..<((count + i + 1) * d)]))
        }
    }

    /// The judged pair of `draw`.
    public func pair(_ draw: Draw, choice: PreferencePair.Choice, source: String) -> PreferencePair {
        PreferencePair(label: draw.label, prompt: draw.prompt, shape: sampleShape, left: draw.left, right: draw.right, choice: choice, source: source)
    }
}
