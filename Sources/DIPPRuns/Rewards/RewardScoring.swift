import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// `dipp reward score`: any reward — built-in, `rm:RUN`, a plugin, `ffi:` — on samples saved
/// elsewhere (`dipp sample --save`, or any safetensors file with a `samples` tensor), so a
/// generator can be scored with any metric after the fact.
///
/// The reward is built for the teacher whose data the samples are of (`teacher`: a run folder
/// or `diffusers:DIR`), as a run would build it. The samples' conditions are the file's
/// `labels` (−1 = `∅`; none = `∅` for all; a text-conditioned teacher gives each its class's
/// prompts, as its reports do), or `prompts` (one per sample, embedded by the teacher's text encoder).
public struct RewardScores: Codable, Sendable {
    public var reward: String
    public var samples: String
    public var count: Int
    public var mean: Double
    public var standardDeviation: Double
    public var minimum: Double
    public var maximum: Double
    /// One value per sample, in the file's order.
    public var scores: [Double]

    public static func score(reward spec: ComponentSpec, teacher reference: String, samples file: URL, prompts: [String]? = nil,
                             seed: UInt64 = 0, components: Components = .standard()) throws -> RewardScores {
        let run = try TeacherRun(reference: reference, components: components)
        let contents = try SafeTensors.read(contentsOf: file)
        let samples = try contents.tensor("samples", source: file.path)
        let n = samples.shape.first ?? 0
        guard n > 0, Shape.count(Array(samples.shape.dropFirst())) == run.train.dimension else {
            throw ConfigurationError(location: "\(file.path), tensor 'samples'", what: "shape \(samples.shape); the teacher's data has samples of \(run.train.sampleShape)",
                                     hint: "score samples of the teacher's data (dipp sample --save writes them)")
        }
        let x = samples.reshaped([n] + run.train.sampleShape)
        let conditions: Conditions
        if let prompts {
            guard run.conditioner.isText else {
                throw ConfigurationError(location: "--prompts", what: "the teacher is not text-conditioned", hint: "drop --prompts; the file's labels are used")
            }
            guard prompts.count == n else {
                throw ConfigurationError(location: "--prompts", what: "\(prompts.count) prompts for \(n) samples", hint: "one prompt per line, one per sample")
            }
            conditions = run.conditioner.conditions(prompts: prompts)
        } else {
            let labels = try contents.tensors["labels"].map { t in try t.storage.map { v -> Int in
                guard let label = Int(exactly: v), label >= -1, label < Swift.max(run.train.classCount, 0) else {
                    throw ConfigurationError(location: "\(file.path), tensor 'labels'", what: "label \(v) is not one of the data's \(run.train.classCount) classes or −1",
                                             hint: "labels as dipp sample --save writes them")
                }
                return label
            } } ?? [Int](repeating: Conditions.nullLabel, count: n)
            guard labels.count == n else {
                throw ConfigurationError(location: "\(file.path), tensor 'labels'", what: "\(labels.count) labels for \(n) samples", hint: "one label per sample")
            }
            conditions = run.conditioner.conditions(labels: labels)   // a text teacher's class prompts, as its reports use
        }
        let context = RunContext(teacher: run.teacher, train: run.train, seed: seed, classifierFolder: run.classifierFolder)
        guard let reward = try components.rewards.make(spec, context: context, path: "reward") else {
            throw ConfigurationError(location: "--reward", what: "no reward ('\(spec.name)')", hint: "name a reward: dipp components reward")
        }
        var scores: [Double] = []
        for start in stride(from: 0, to: n, by: 256) {
            let rows = Array(start..<Swift.min(start + 256, n))
            let part = x.slice(axis: 0, start: start, count: rows.count)
            scores += withoutGradients { reward.reward(part, conditions: conditions.subset(rows)) }.storage.map(Double.init)
        }
        let spread = SeedSpread(scores)
        return RewardScores(reward: reward.name, samples: file.path, count: n, mean: spread.mean, standardDeviation: spread.standardDeviation,
                            minimum: scores.min()!, maximum: scores.max()!, scores: scores)
    }
}
