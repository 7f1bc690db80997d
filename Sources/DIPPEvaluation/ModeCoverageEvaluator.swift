import DIPPData
import DIPPTensor

/// The 2-D toy's evaluator: the fraction of samples within 3σ of their class's mode, the modes
/// covered, the spread around the modes, and MMD² to held-out points.
public struct ModeCoverageEvaluator: SampleEvaluator {
    public let heldOut: LabeledDataset

    public init(heldOut: LabeledDataset) { self.heldOut = heldOut }

    public func evaluate(samples: Tensor, labels: [Int], into report: inout EvaluationReport) throws {
        report.mode = PointCloudMetrics.evaluate(samples: samples.storage, labels: labels, mixture: GaussianMixture2D(),
                                                 reference: heldOut.evaluationReference)
    }
}
