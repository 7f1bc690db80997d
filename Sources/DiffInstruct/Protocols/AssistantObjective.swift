import DIPPDiffusion
import DIPPTensor

/// What the TA (`D_ψ`, the score model of the generator's own distribution) minimises on a batch
/// of generator samples: `x₀ = sg(g_θ(z, c))`, `x = x₀ + σε`.
///
/// Contract: returns a scalar whose gradient in the TA's parameters trains `D_ψ(x; σ, c)` toward
/// `E[x₀ | x, c]` under the generator's distribution; `guidance` is the TA's training-time
/// guidance (SiD-LSG trains it guided). It must not update anything.
public protocol AssistantObjective {
    var name: String { get }
    func loss(assistant: any ScoreModel, guidance: any Guidance, x0: Tensor, noisy: Tensor, sigma: Tensor,
              conditions: Conditions) -> Tensor
}

/// EDM's denoising loss on the generator's samples (Algorithm 3's TA update):
/// `L_ψ = mean_batch λ(σ)‖D̃_ψ(x; σ, c) − x₀‖²`, `λ(σ) = (σ² + σ_d²)/(σ σ_d)²`
/// (``EDMPreconditioning/lossWeight(_:)``); `σ_d = 0` means unweighted (`λ = 1`).
public struct EDMAssistantObjective: AssistantObjective, Codable, Sendable, Equatable {
    /// `σ_d` of `λ(σ)`: the teacher's, filled in by the run when left at its default.
    public var sigmaData: Float

    public init(sigmaData: Float = 0.5) { self.sigmaData = sigmaData }

    public var name: String { "edm" }

    public func loss(assistant: any ScoreModel, guidance: any Guidance, x0: Tensor, noisy: Tensor, sigma: Tensor,
                     conditions: Conditions) -> Tensor {
        let n = x0.shape[0]
        let denoised = guidance.denoise(assistant, noisy, sigma: sigma, conditions: conditions)
        let p = EDMPreconditioning(sigmaData: sigmaData)
        let weights = Noise.perSample(Tensor(shape: [n], storage: sigma.storage.map { sigmaData > 0 ? p.lossWeight($0) : 1 }), rank: x0.rank)
        return ((denoised - x0).square() * weights).sum() / Float(n)
    }
}
