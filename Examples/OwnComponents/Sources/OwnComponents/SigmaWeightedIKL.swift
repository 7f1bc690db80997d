import DIPPComponents
import DIPPDiffusion
import DIPPTensor
import DiffInstruct

/// A σ-weighted Integral KL: Diff-Instruct's `L = w(σ)·sg(D_ψ − D_ref)ᵀx` with
/// `w(σ) = σ²/(σ² + c²)`, which quiets the low-noise levels where the TA is least accurate.
/// Its option `c` comes from the configuration (`{"name": "sigma-ikl", "c": 0.5}`).
struct SigmaWeightedIKL: Divergence, Codable, ComponentRegistration {
    var c: Float = 0.5
    var name: String { "sigma-ikl" }

    func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm {
        let x = inputs.noisy, n = inputs.batchSize
        let y = withoutGradients {
            let frozen = x.detached()
            return inputs.assistantGuidance.denoise(inputs.assistant, frozen, sigma: inputs.sigma, conditions: inputs.conditions)
                - inputs.teacherGuidance.denoise(inputs.teacher, frozen, sigma: inputs.sigma, conditions: inputs.conditions)
        }
        let s2 = inputs.sigma.storage.map { $0 * $0 }
        let w = Noise.perSample(Tensor(shape: [n], storage: s2.map { $0 / ($0 + c * c) }), rank: x.rank)
        return DivergenceTerm(loss: (x * (y * w)).sum() / Float(max(n, 1)), diagnostics: [("sigma_ikl_c", c)])
    }

    static func register(in components: Components) {
        components.divergences.register("sigma-ikl", summary: "IKL weighted by σ²/(σ² + c²)", options: SigmaWeightedIKL()) { o, _ in o }
    }
}
