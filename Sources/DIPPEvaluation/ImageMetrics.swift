import DIPPData
import DIPPTensor

/// Class accuracy and Fréchet distance of generated images, in the classifier's feature space.
public struct ImageReport: Codable, Sendable {
    /// Fraction of conditional samples the classifier labels as their condition.
    public var classAccuracy: Double
    /// Fréchet distance to the held-out real images (FD-digits / FD-fashion).
    public var frechetDistance: Double
    public var sampleCount: Int
}

public enum ImageMetrics {
    /// Evaluates `samples` generated for `labels` against `heldOut` real data.
    public static func evaluate(samples: Tensor, labels: [Int], classifier: Classifier, heldOut: LabeledDataset) -> ImageReport {
        let accuracy = classifier.accuracy(samples, labels: labels)
        let fd = frechetDistance(samples, heldOut.all.samples, classifier: classifier)
        return ImageReport(classAccuracy: accuracy, frechetDistance: fd, sampleCount: labels.count)
    }

    /// FD between two sets of images in the classifier's penultimate feature space.
    public static func frechetDistance(_ a: Tensor, _ b: Tensor, classifier: Classifier) -> Double {
        let (fa, fb) = withoutGradients { (classifier.features(a), classifier.features(b)) }
        return FrechetDistance.distance(fa.storage, fb.storage, dimension: fa.shape[1])
    }
}
