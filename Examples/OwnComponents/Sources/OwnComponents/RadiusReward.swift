import DIPPComponents
import DIPPDiffusion
import DIPPTensor
import DiffInstruct

/// A reward with an option: `r(x) = −(‖x‖ − radius)²`, samples at distance `radius` from the
/// origin are best (`{"name": "radius", "radius": 2}`).
struct RadiusReward: RewardModel, Codable, ComponentRegistration {
    var radius: Float = 2
    var name: String { "radius" }

    func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let n = x.shape[0]
        let norm = (x.reshaped([n, x.count / n]).square().sum(axis: 1) + 1e-8).sqrt()
        return -(norm - radius).square()
    }

    static func register(in components: Components) {
        components.rewards.register("radius", summary: "−(‖x‖ − radius)²", options: RadiusReward()) { o, _ in o }
    }
}
