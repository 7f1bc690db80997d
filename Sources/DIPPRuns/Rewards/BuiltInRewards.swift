import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPTensor
import DiffInstruct

/// For the 2-D toy: `r(x, c) = −‖x − μ_c‖²` (closer to the class's mode is better; `∅` → the
/// nearest mode).
public struct ModeDistanceReward: RewardModel {
    public let mixture: GaussianMixture2D

    public init(mixture: GaussianMixture2D = GaussianMixture2D()) { self.mixture = mixture }

    public var name: String { "mode-distance" }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let n = x.shape[0]
        let targets: [Float] = (0..<n).flatMap { i -> [Float] in
            var label = conditions.labels[i]
            if label == Conditions.nullLabel {
                let (px, py) = (x.storage[2 * i], x.storage[2 * i + 1])
                label = (0..<mixture.modes).min { a, b in
                    let (ax, ay) = mixture.mean(a), (bx, by) = mixture.mean(b)
                    return (px - ax) * (px - ax) + (py - ay) * (py - ay) < (px - bx) * (px - bx) + (py - by) * (py - by)
                }!
            }
            let (mx, my) = mixture.mean(label)
            return [mx, my]
        }
        return -(x.reshaped([n, 2]) - Tensor(shape: [n, 2], storage: targets)).square().sum(axis: 1)
    }
}

/// The in-project classifier's `log p(c | x)` as a differentiable reward (conditional samples
/// only: `∅` gets the log-probability of the most likely class).
public struct ClassifierReward: RewardModel {
    public let classifier: Classifier

    public init(classifier: Classifier) {
        self.classifier = classifier
        classifier.setTrainable(false)
    }

    public var name: String { "classifier-log-prob" }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        var labels = conditions.labels
        if labels.contains(Conditions.nullLabel) {
            let predicted = classifier.predict(x.detached())
            labels = zip(labels, predicted).map { $0 == Conditions.nullLabel ? $1 : $0 }
        }
        return classifier.logProbability(x, labels: labels)
    }
}
