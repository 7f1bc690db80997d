import DIPPDiffusion
import DIPPTensor
import DiffInstruct

/// The in-project classifier's `log p(c | x)` as a differentiable reward (conditional samples
/// only: `∅` gets the log-probability of the most likely class).
public struct ClassifierReward: RewardModel {
    public let classifier: Classifier

    public init(classifier: Classifier) {
        self.classifier = classifier
        classifier.setTrainable(false)
    }

    public var name: String { "classifier" }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        var labels = conditions.labels
        if labels.contains(Conditions.nullLabel) {
            let predicted = classifier.predict(x.detached())
            labels = zip(labels, predicted).map { $0 == Conditions.nullLabel ? $1 : $0 }
        }
        return classifier.logProbability(x, labels: labels)
    }
}
