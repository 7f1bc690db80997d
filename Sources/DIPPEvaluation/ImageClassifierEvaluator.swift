import DIPPData
import DIPPTensor
import Foundation

/// Images with classes: the in-project classifier's accuracy on the samples and the Fréchet
/// distance in its features to held-out images, with the real-data floor (train vs held-out).
public struct ImageClassifierEvaluator: SampleEvaluator {
    public let classifier: Classifier
    public let context: EvaluationContext

    /// Trains the classifier on `context.train` (or loads it from the cache, keyed by the data's content).
    public init(context: EvaluationContext) throws {
        self.context = context
        classifier = try Classifier.loadOrTrain(on: context.train, configuration: .init(), folder: context.classifierFolder)
    }

    public func evaluate(samples: Tensor, labels: [Int], into report: inout EvaluationReport) throws {
        let real = context.heldOut.all
        report.classifierTestAccuracy = classifier.accuracy(real.samples, labels: real.labels)
        report.image = ImageMetrics.evaluate(samples: samples, labels: labels, classifier: classifier, heldOut: context.heldOut)
        report.realFrechetDistanceFloor = ImageMetrics.frechetDistance(context.train.all.samples, real.samples, classifier: classifier)
    }
}
