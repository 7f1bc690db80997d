import DIPPDiffusion
import DIPPTensor

/// Where the conditions of a training batch come from: uniform labels (here), prompts
/// (`DIPPRuns.Conditioner`), cameras.
///
/// Contract: `sample(count:rng:)` returns `count` conditions and draws only from `rng`, so a
/// run stays deterministic for its seed.
public protocol ConditionSampler {
    func sample(count: Int, rng: inout RandomStream) -> Conditions
}

/// Uniform class labels over `0..<classCount`; `∅` for every sample when `classCount == 0`.
public struct UniformLabels: ConditionSampler, Sendable {
    public let classCount: Int

    public init(classCount: Int) { self.classCount = classCount }

    public func sample(count: Int, rng: inout RandomStream) -> Conditions {
        classCount == 0 ? .null(count: count) : Conditions(labels: (0..<count).map { _ in rng.integer(below: classCount) })
    }
}
