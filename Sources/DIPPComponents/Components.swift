import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import DIPPText
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

/// Where a data set is read from and how it is seeded.
public struct DataSetContext: Sendable {
    /// An explicit file or folder (`dataFile`); `nil` = the data set's default.
    public var file: String?
    /// Seeds generated data (`gmm2d`, `shapes3d`).
    public var seed: UInt64
    /// Image folders: the side images are resized and cropped to, and 1 or 3 channels (`nil` =
    /// from the images).
    public var resolution: Int?
    public var imageChannels: Int?

    public init(file: String? = nil, seed: UInt64 = 0, resolution: Int? = nil, imageChannels: Int? = nil) {
        (self.file, self.seed, self.resolution, self.imageChannels) = (file, seed, resolution, imageChannels)
    }
}

/// Guidance at a scale `α_cfg` (the scale may follow a schedule, so the rule is built per step).
public typealias GuidanceRule = (Float) -> any Guidance

/// A component that registers itself: its file holds the type, its options and this one
/// function, and one line adds the type to a catalogue (`BuiltIns.all` in `DIPPRuns` for DIPP's
/// own, ``Components/register(_:)`` for a user's).
///
/// The registered name is the component's one name: a built-in's `name` (in logs and reports)
/// is its registered name, which the conformance tests check.
public protocol ComponentRegistration {
    static func register(in components: Components)
}

/// Every component kind, each a ``ComponentRegistry``: the one place names become objects.
///
/// Each catalogue is its own: a registration in one never reaches another. `Components.standard()`
/// (`DIPPRuns`) holds the built-ins; the plugin host adds resolvers for plugin paths
/// (`withPlugins()`, `DIPPPlugins`); a user adds
/// a type with `components.register(MyDivergence.self)` or a closure with
/// `components.divergences.register("my-div", summary: "…", options: MyDiv()) { options, _ in options }`.
public final class Components: @unchecked Sendable {
    public let generators = ComponentRegistry<any Generator, RunContext>(kind: "generator")
    public let divergences = ComponentRegistry<any Divergence, RunContext>(kind: "divergence")
    public let rewards = ComponentRegistry<(any RewardModel)?, RunContext>(kind: "reward")
    public let guidance = ComponentRegistry<GuidanceRule, RunContext>(kind: "guidance")
    public let assistantObjectives = ComponentRegistry<any AssistantObjective, RunContext>(kind: "TA objective")
    public let samplers = ComponentRegistry<any Sampler, SamplerContext>(kind: "sampler")
    public let evaluators = ComponentRegistry<any SampleEvaluator, EvaluationContext>(kind: "evaluator")
    public let dataSets = ComponentRegistry<LabeledDataset, DataSetContext>(kind: "data set")
    public let architectures = ComponentRegistry<DenoiserNetworks.Build, Void>(kind: "denoiser architecture")
    public let textEncoders = ComponentRegistry<TextEncoder, Void>(kind: "text encoder")

    /// Text encoders built so far, by name: one instance per catalogue (see ``textEncoder(_:)``).
    private var encoders: [String: TextEncoder] = [:]
    private let lock = NSLock()

    /// An empty catalogue (`DIPPRuns` adds `Components.standard()`, every built-in registered).
    public init() {}

    /// Registers each type (its ``ComponentRegistration/register(in:)``).
    public func register(_ types: [any ComponentRegistration.Type]) {
        for type in types { type.register(in: self) }
    }

    public func register(_ type: any ComponentRegistration.Type) { register([type]) }

    /// One kind's entries: names, summaries and default options, then the resolvers' patterns.
    public struct Group {
        public let kind: String
        public let entries: [(name: String, summary: String, defaults: [String: JSONValue])]
        public let patterns: [(pattern: String, summary: String)]
        /// The entries' names, then the patterns (``ComponentRegistry/names``).
        public let names: [String]
    }

    /// Every kind, for `dipp components`, the generated help and `Configuration.md`.
    public var listing: [Group] {
        func describe<P, C>(_ r: ComponentRegistry<P, C>) -> Group {
            let c = r.catalogue
            return Group(kind: r.kind, entries: c.entries.map { ($0.name, $0.summary, $0.defaults) }, patterns: c.resolvers.map { ($0.pattern, $0.summary) },
                         names: r.names)
        }
        return [describe(generators), describe(divergences), describe(rewards), describe(guidance), describe(assistantObjectives),
                describe(samplers), describe(evaluators), describe(dataSets), describe(architectures), describe(textEncoders)]
    }

    /// The names (and resolver patterns) of one kind, comma-separated: for help texts and hints.
    public func names(_ kind: String) -> String {
        listing.first { $0.kind == kind }?.names.joined(separator: ", ") ?? ""
    }
}

extension Components {
    /// Loads the data set `name` (`file`: its `dataFile`, `nil` for the default). Data read from
    /// a file of the user's is named after it too (`digits (mine.csv)`), so reports never label it
    /// as the bundled data.
    public func loadData(_ name: String, file: String? = nil, seed: UInt64 = 0, resolution: Int? = nil, imageChannels: Int? = nil) throws -> LabeledDataset {
        guard dataSets.contains(name) else {
            throw DataError(location: "data set '\(name)'", what: "unknown data set", hint: "choose one of: \(names("data set"))")
        }
        let data = try dataSets.make(ComponentSpec(name), context: DataSetContext(file: file, seed: seed, resolution: resolution, imageChannels: imageChannels),
                                     path: "data")
        guard let file else { return data }
        return data.renamed("\(data.name) (\(URL(fileURLWithPath: file).lastPathComponent))")
    }

    /// Checks `configuration` (``DenoiserConfiguration/validate(source:keyPrefix:)``), its
    /// architecture against this catalogue first.
    public func validate(_ configuration: DenoiserConfiguration, source: String = "configuration", keyPrefix: String = "") throws {
        guard architectures.contains(configuration.architecture) else {
            throw ConfigurationError(location: "\(source), key '\(keyPrefix)architecture'", what: "unknown denoiser architecture '\(configuration.architecture)'",
                                     hint: "one of: \(names("denoiser architecture"))")
        }
        try configuration.validate(source: source, keyPrefix: keyPrefix)
    }

    /// A freshly initialised denoiser for `configuration`, its network from this catalogue.
    public func denoiser(_ configuration: DenoiserConfiguration, rng: inout RandomStream) throws -> EDMDenoiser {
        let build = try architectures.make(ComponentSpec(configuration.architecture), context: (), path: "architecture")
        return EDMDenoiser(configuration, build: build, rng: &rng)
    }

    /// The text encoder `name`, built once per catalogue, so a teacher run, its DI++ run and
    /// their evaluations share one (MiniLM's weights are, besides, loaded once per process:
    /// `MiniLM.shared()`).
    public func textEncoder(_ name: String) throws -> TextEncoder {
        try lock.withLock {
            if let encoder = encoders[name] { return encoder }
            guard textEncoders.contains(name) else {
                throw ConfigurationError(location: "textEncoder '\(name)'", what: "unknown text encoder", hint: "choose one of: \(names("text encoder"))")
            }
            let encoder = try textEncoders.make(ComponentSpec(name), context: (), path: "textEncoder")
            encoders[name] = encoder
            return encoder
        }
    }
}

extension Components {
    /// Evaluates `samples` (generated for `labels`) with the evaluator named, else the data's own
    /// (``LabeledDataset/evaluator``).
    public func evaluate(samples: Tensor, labels: [Int], train: LabeledDataset, heldOut: LabeledDataset, sampler: String, evaluations: Int,
                         classifierFolder: URL, evaluator: String? = nil) throws -> EvaluationReport {
        let context = EvaluationContext(train: train, heldOut: heldOut, classifierFolder: classifierFolder)
        let chosen = try evaluators.make(ComponentSpec(evaluator ?? train.evaluator), context: context, path: "evaluator")
        return try ModelEvaluation.evaluate(samples: samples, labels: labels, train: train, sampler: sampler, evaluations: evaluations, evaluator: chosen)
    }
}
