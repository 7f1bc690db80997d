import DIPPData
import DIPPDiffusion
import DIPPTensor
import Foundation

/// A cheap quality signal to log during training, besides the loss — the generator loss of SiD
/// and DMD-style objectives oscillates around zero and says little about progress.
///
/// The probe measures samples generated for a fixed set of balanced `labels` (from fixed latents,
/// so successive values differ only through the model) with the data's metrics:
/// - images: `quality/class_accuracy` (in-project classifier) and `quality/fd` (Fréchet distance
///   to the held-out data in the classifier's features, at `labels.count` samples — biased upward
///   at small counts, so compare values at the same count only);
/// - the 2-D toy (data evaluated by `mode-coverage`): `quality/near_own_mode` (conditional) or
///   `quality/modes_covered` (unconditional), `quality/spread` around the mode (data: 0.3) and
///   `quality/mmd` (MMD² to held-out points);
/// - any other data: `quality/mmd` (MMD² to held-out samples, bandwidth as `sample-statistics`).
public struct QualityProbe {
    public let labels: [Int]
    private let measure: (Tensor) -> [(String, Float)]

    /// - Parameters:
    ///   - sampleCount: samples per measurement (rounded down to a multiple of the class count).
    ///   - classCount: the generator's classes (0: unconditional, every sample `∅`).
    public init(train: LabeledDataset, heldOut: LabeledDataset, classifierFolder: URL, sampleCount: Int, classCount: Int) throws {
        labels = classCount == 0 ? [Int](repeating: Conditions.nullLabel, count: sampleCount)
            : ModelEvaluation.balancedLabels(classes: classCount, perClass: max(1, sampleCount / classCount))
        let labels = labels
        if train.evaluator == "image-classifier" {
            let classifier = try Classifier.loadOrTrain(on: train, configuration: .init(), folder: classifierFolder)
            let real = withoutGradients { classifier.features(heldOut.all.samples) }
            measure = { samples in
                let features = withoutGradients { classifier.features(samples) }
                let fd = FrechetDistance.distance(features.storage, real.storage, dimension: real.shape[1])
                var metrics = [("quality/fd", Float(fd))]
                if classCount > 0 { metrics.insert(("quality/class_accuracy", Float(classifier.accuracy(samples, labels: labels))), at: 0) }
                return metrics
            }
        } else if train.evaluator == "mode-coverage" {
            let mixture = GaussianMixture2D()
            let reference = heldOut.evaluationReference
            measure = { samples in
                let mmd = Float(PointCloudMetrics.mmd(samples.storage, reference, dimension: 2, bandwidth: 1))
                if classCount > 0 {
                    let report = PointCloudMetrics.evaluate(samples: samples.storage, labels: labels, mixture: mixture, reference: reference)
                    return [("quality/near_own_mode", Float(report.fractionNearOwnMode)), ("quality/spread", Float(report.withinModeStd)),
                            ("quality/mmd", mmd)]
                }
                let modes = PointCloudMetrics.unconditional(samples: samples.storage, mixture: mixture)
                return [("quality/modes_covered", Float(modes.modesCovered)), ("quality/spread", Float(modes.spread)), ("quality/mmd", mmd)]
            }
        } else {
            let d = train.dimension, reference = heldOut.evaluationReference
            let bandwidth = SampleStatisticsEvaluator.bandwidth(reference, dimension: d)
            measure = { samples in [("quality/mmd", Float(PointCloudMetrics.mmd(samples.storage, reference, dimension: d, bandwidth: bandwidth)))] }
        }
    }

    /// The metrics of `samples`, generated for ``labels``.
    public func callAsFunction(_ samples: Tensor) -> [(String, Float)] { measure(samples) }
}
