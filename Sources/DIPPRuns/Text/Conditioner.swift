import DIPPDiffusion
import DIPPTensor
import DIPPText
import DiffInstruct

/// How a run turns class labels into the conditions its networks read: label-conditioned
/// models read the labels; text-conditioned models read a prompt of the class, embedded by the
/// run's text encoder (labels are then `∅`: the class is only in the prompt).
///
/// Every evaluation that works per class (balanced samples, class accuracy, the quality probe,
/// the reward probe) goes through ``conditions(labels:)``, so it works for both kinds.
public struct Conditioner: @unchecked Sendable {
    /// The prompts of each class (`nil`: label conditions).
    public let promptsByClass: [[String]]?
    public let embeddings: PromptEmbeddingCache?

    /// Label conditions.
    public static let labels = Conditioner(promptsByClass: nil, embeddings: nil)

    /// Prompt conditions: class `c` is given the prompts `promptsByClass[c]`.
    public init(promptsByClass: [[String]]?, embeddings: PromptEmbeddingCache?) {
        precondition((promptsByClass == nil) == (embeddings == nil), "Conditioner: prompts need an encoder")
        (self.promptsByClass, self.embeddings) = (promptsByClass, embeddings)
    }

    public var isText: Bool { promptsByClass != nil }

    /// Conditions for `labels`: the `k`-th occurrence of class `c` gets `promptsByClass[c][k mod n_c]`
    /// (deterministic, every prompt of a class used in turn); `∅` stays `∅`.
    public func conditions(labels: [Int]) -> Conditions {
        guard let promptsByClass else { return Conditions(labels: labels) }
        var seen = [Int](repeating: 0, count: promptsByClass.count)
        let prompts = labels.map { c -> String in
            guard c != Conditions.nullLabel else { return "" }
            defer { seen[c] += 1 }
            return promptsByClass[c][seen[c] % promptsByClass[c].count]
        }
        return conditions(prompts: prompts, isNull: labels.map { $0 == Conditions.nullLabel })
    }

    /// Conditions for explicit prompts (`isNull` marks `∅` samples; default none), seen from
    /// `camera` when the model reads one.
    public func conditions(prompts: [String], isNull: [Bool]? = nil, camera: CameraPose? = nil) -> Conditions {
        guard let embeddings else { preconditionFailure("Conditioner: this model reads labels, not prompts") }
        let text = TextEmbedding(dimension: embeddings.dimension, pooled: embeddings.embeddings(prompts), prompts: prompts)
        return Conditions(count: prompts.count, text: text, camera: camera, isNull: isNull ?? [Bool](repeating: false, count: prompts.count))
    }

    /// The conditions DI++ trains on: uniform classes, then (text) a uniform prompt of the class.
    public func sampler(classCount: Int) -> any ConditionSampler {
        guard isText else { return UniformLabels(classCount: classCount) }
        return PromptSampler(conditioner: self)
    }
}

extension Conditioner {
    /// Uniform draws from `prompts` (a text-conditioned model's own prompt list for DI++).
    public func sampler(prompts: [String]) -> any ConditionSampler { PromptListSampler(conditioner: self, prompts: prompts) }
}

/// A uniform prompt of a fixed list (``Conditioner/sampler(prompts:)``).
struct PromptListSampler: ConditionSampler {
    let conditioner: Conditioner
    let prompts: [String]

    func sample(count: Int, rng: inout RandomStream) -> Conditions {
        conditioner.conditions(prompts: (0..<count).map { _ in prompts[rng.integer(below: prompts.count)] })
    }
}

/// Uniform class, then a uniform prompt of that class (``Conditioner/sampler(classCount:)``).
struct PromptSampler: ConditionSampler {
    let conditioner: Conditioner

    func sample(count: Int, rng: inout RandomStream) -> Conditions {
        let byClass = conditioner.promptsByClass!
        let prompts = (0..<count).map { _ -> String in
            let options = byClass[rng.integer(below: byClass.count)]
            return options[rng.integer(below: options.count)]
        }
        return conditioner.conditions(prompts: prompts)
    }
}
