import DIPPComponents
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import DiffInstruct

/// The reward `none`: Diff-Instruct distillation, no reward term.
public enum NoReward: ComponentRegistration {
    public static func register(in components: Components) {
        components.rewards.register("none", summary: "no reward (Diff-Instruct distillation)") { _ in nil }
    }
}

extension ClassifierReward: ComponentRegistration {
    public static func register(in components: Components) {
        components.rewards.register("classifier", summary: "log p(c|x) of the in-project classifier (trained once, cached)") { context in
            guard context.train.classCount > 0 else {
                throw ConfigurationError(location: "reward 'classifier'", what: "the data \(context.train.name) has no classes",
                                         hint: "a classifier reward needs labelled data")
            }
            return ClassifierReward(classifier: try Classifier.loadOrTrain(on: context.train, configuration: .init(), folder: context.classifierFolder))
        }
    }
}

extension LinearReward: ComponentRegistration {
    public struct Options: Codable, Sendable, Equatable {
        /// `k` of `r(x) = kᵀx`, one value per data dimension; empty: `k = (1, …, 1)`.
        public var direction: [Float] = []
        public init() {}
    }

    public static func register(in components: Components) {
        components.rewards.register("linear", summary: "r(x) = kᵀx (the closed-form test reward; direction k, default all ones)",
                                    options: Options()) { o, context in
            try checked(o.direction.isEmpty ? [Float](repeating: 1, count: context.train.dimension) : o.direction,
                        dimension: context.train.dimension, spec: "linear")
        }
        components.rewards.registerResolver(pattern: "linear:k1,k2,…", summary: "r(x) = kᵀx with k given inline", examples: ["linear:1,-2"],
                                            matches: { $0.hasPrefix("linear:") }) { spec, context, _ in
            let values = spec.name.dropFirst("linear:".count).split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            return try checked(values.allSatisfy { $0 != nil } ? values.map { $0! } : [], dimension: context.train.dimension, spec: spec.name)
        }
    }

    /// A linear reward whose direction has one value per data dimension, or an error naming `spec`.
    static func checked(_ direction: [Float], dimension: Int, spec: String) throws -> LinearReward {
        guard direction.count == dimension else {
            throw ConfigurationError(location: "reward '\(spec)'", what: "expected \(dimension) numbers in the direction, found \(direction.count)",
                                     hint: "e.g. linear:1,0 (or {\"name\": \"linear\", \"direction\": [1, 0]}) for 2-D data")
        }
        return LinearReward(direction: direction, name: spec)
    }
}
