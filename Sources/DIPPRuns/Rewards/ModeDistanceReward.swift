import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DiffInstruct

/// For the 2-D toy: `r(x, c) = −‖x − μ_c‖²` (closer to the class's mode is better; `∅` → the
/// nearest mode).
public struct ModeDistanceReward: RewardModel, ComponentRegistration {
    public let mixture: GaussianMixture2D

    public init(mixture: GaussianMixture2D = GaussianMixture2D()) { self.mixture = mixture }

    public var name: String { "mode-distance" }

    public static func register(in components: Components) {
        components.rewards.register("mode-distance", summary: "2-D toy: −‖x − μ_c‖² (closer to the class's mode is better)") { context in
            guard context.train.dimension == 2 else {
                throw ConfigurationError(location: "reward 'mode-distance'", what: "the data \(context.train.name) is not 2-D points",
                                         hint: "mode-distance scores the 2-D toy (gmm2d)")
            }
            return ModeDistanceReward()
        }
    }

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
