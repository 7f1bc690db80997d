import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// What a DI++ component's factory may use: the teacher, its training data, the run's seed.
public struct RunContext {
    public let teacher: EDMDenoiser
    public let train: LabeledDataset
    public let seed: UInt64
    /// Where the in-project classifiers are cached (beside the teacher's run folder).
    public let classifierFolder: URL

    public init(teacher: EDMDenoiser, train: LabeledDataset, seed: UInt64, classifierFolder: URL) {
        (self.teacher, self.train, self.seed, self.classifierFolder) = (teacher, train, seed, classifierFolder)
    }
}

/// What a sampler's factory may use: the one-step generator when sampling one.
public struct SamplerContext {
    public let generator: (any Generator)?

    public init(generator: (any Generator)? = nil) { self.generator = generator }
}

/// Guidance at a scale `α_cfg` (the scale may follow a schedule, so the rule is built per step).
public typealias GuidanceRule = (Float) -> any Guidance

/// Every component kind, each a ``ComponentRegistry``: the one place names become objects.
///
/// ``standard()`` holds the built-ins; plugins add resolvers (`DIPPPlugins.PluginComponents`);
/// a user adds a component with one line, e.g.
/// `components.divergences.register("my-div", summary: "…", options: MyDiv()) { options, _ in options }`.
public final class Components: @unchecked Sendable {
    public let generators = ComponentRegistry<any Generator, RunContext>(kind: "generator")
    public let divergences = ComponentRegistry<any Divergence, RunContext>(kind: "divergence")
    public let rewards = ComponentRegistry<(any RewardModel)?, RunContext>(kind: "reward")
    public let guidance = ComponentRegistry<GuidanceRule, RunContext>(kind: "guidance")
    public let assistantObjectives = ComponentRegistry<any AssistantObjective, RunContext>(kind: "TA objective")
    public let samplers = ComponentRegistry<any Sampler, SamplerContext>(kind: "sampler")
    public let evaluators: ComponentRegistry<any SampleEvaluator, EvaluationContext> = Evaluators.registry
    /// Shared with `DIPPData` and `DIPPDiffusion`, which own them.
    public let dataSets = DataSets.registry
    public let architectures = DenoiserNetworks.registry

    public init() {}

    /// A catalogue with every built-in component registered.
    public static func standard() -> Components {
        let c = Components()
        c.registerBuiltIns()
        return c
    }

    /// Names, summaries and default options of every kind, for `dipp components`.
    public var listing: [(kind: String, entries: [(name: String, summary: String, defaults: [String: JSONValue])], patterns: [(String, String)])] {
        func describe<P, C>(_ r: ComponentRegistry<P, C>) -> (String, [(String, String, [String: JSONValue])], [(String, String)]) {
            let c = r.catalogue
            return (r.kind, c.entries.map { ($0.name, $0.summary, $0.defaults) }, c.resolvers.map { ($0.pattern, $0.summary) })
        }
        return [describe(generators), describe(divergences), describe(rewards), describe(guidance), describe(assistantObjectives),
                describe(samplers), describe(evaluators), describe(dataSets), describe(architectures)]
            .map { (kind: $0.0, entries: $0.1.map { (name: $0.0, summary: $0.1, defaults: $0.2) }, patterns: $0.2) }
    }
}
