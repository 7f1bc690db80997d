import DIPPData
import DIPPDiffusion
import DIPPRender
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
    /// Rendered data (`shapes3d`): per-class conditions are seen from a turntable of this many
    /// views (0: no camera).
    public let turntableViews: Int
    /// Whether the conditions carry the prompts' token embeddings (a denoiser with
    /// ``DenoiserConfiguration/textTokens`` reads them).
    public let tokens: Bool

    /// Label conditions.
    public static let labels = Conditioner(promptsByClass: nil, embeddings: nil)

    /// Prompt conditions: class `c` is given the prompts `promptsByClass[c]`; with
    /// `turntableViews` > 0 each is also given a camera (``turntableCamera(_:of:)``).
    public init(promptsByClass: [[String]]?, embeddings: PromptEmbeddingCache?, turntableViews: Int = 0, tokens: Bool = false) {
        precondition((promptsByClass == nil) == (embeddings == nil), "Conditioner: prompts need an encoder")
        (self.promptsByClass, self.embeddings, self.turntableViews, self.tokens) = (promptsByClass, embeddings, turntableViews, tokens)
    }

    /// Random cameras for training batches (rendered data only, else `nil`): the `shapes3d`
    /// views (``Shapes3D/trainingCamera(_:_:rig:)``), as the vectors networks read.
    public func randomCameras(count: Int, rng: inout RandomStream) -> CameraPose? {
        guard turntableViews > 0 else { return nil }
        let u = rng.uniform(2 * count)
        return CameraPose(dimension: 2, values: (0..<count).flatMap { i in
            Shapes3D.trainingCamera(u[2 * i], u[2 * i + 1], rig: VolumeRenderer()).conditionVector
        })
    }

    /// The camera vector of view `k` of an `n`-view turntable (``Shapes3D/turntable(_:rig:)``).
    public static func turntableCamera(_ k: Int, of n: Int) -> [Float] {
        Shapes3D.turntable(n, rig: VolumeRenderer())[k % n].conditionVector
    }

    public var isText: Bool { promptsByClass != nil }

    /// Conditions for `labels`: the `k`-th occurrence of class `c` gets `promptsByClass[c][k mod n_c]`
    /// (deterministic, every prompt of a class used in turn); `∅` stays `∅`.
    public func conditions(labels: [Int]) -> Conditions {
        guard let promptsByClass else { return Conditions(labels: labels) }
        var seen = [Int](repeating: 0, count: promptsByClass.count)
        var views: [Float] = []
        let prompts = labels.map { c -> String in
            guard c != Conditions.nullLabel else {
                if turntableViews > 0 { views += Self.turntableCamera(0, of: turntableViews) }
                return ""
            }
            defer { seen[c] += 1 }
            if turntableViews > 0 { views += Self.turntableCamera(seen[c], of: turntableViews) }
            return promptsByClass[c][seen[c] % promptsByClass[c].count]
        }
        return conditions(prompts: prompts, isNull: labels.map { $0 == Conditions.nullLabel },
                          camera: turntableViews > 0 ? CameraPose(dimension: 2, values: views) : nil)
    }

    /// Conditions for explicit prompts (`isNull` marks `∅` samples; default none), seen from
    /// `camera` when the model reads one.
    public func conditions(prompts: [String], isNull: [Bool]? = nil, camera: CameraPose? = nil) -> Conditions {
        guard let embeddings else { preconditionFailure("Conditioner: this model reads labels, not prompts") }
        let text: TextEmbedding
        if tokens {   // first, so that new prompts are encoded once for both
            guard let t = embeddings.tokenEmbeddings(prompts) else {
                preconditionFailure("Conditioner: the text encoder \(embeddings.encoder.identifier) gives no token embeddings")
            }
            text = TextEmbedding(dimension: embeddings.dimension, pooled: embeddings.embeddings(prompts), tokenCount: t.tokenCount,
                                 tokens: t.values, tokenMask: t.mask, prompts: prompts)
        } else {
            text = TextEmbedding(dimension: embeddings.dimension, pooled: embeddings.embeddings(prompts), prompts: prompts)
        }
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
        let chosen = (0..<count).map { _ in prompts[rng.integer(below: prompts.count)] }
        return conditioner.conditions(prompts: chosen, camera: conditioner.randomCameras(count: count, rng: &rng))
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
        return conditioner.conditions(prompts: prompts, camera: conditioner.randomCameras(count: count, rng: &rng))
    }
}
