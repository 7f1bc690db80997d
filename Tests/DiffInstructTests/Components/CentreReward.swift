import DIPPComponents
import DIPPDiffusion
import DIPPTensor
import DiffInstruct

/// A contributor's reward, in one file: `r(x) = −‖x‖²` (samples near the origin are better).
struct CentreReward: RewardModel, ComponentRegistration {
    var name: String { "centre" }

    func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        -x.reshaped([x.shape[0], x.count / x.shape[0]]).square().sum(axis: 1)
    }

    static func register(in components: Components) {
        components.rewards.register("centre", summary: "−‖x‖² (a contributor's reward)") { _ in CentreReward() }
    }
}
