import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Foundation

/// The Integral Kullback–Leibler divergence of Diff-Instruct (Luo et al., 2023) and DI++
/// (Luo, 2024, Theorem 3.5 / Algorithm 3).
///
/// Per sample, with `x = x₀ + σε`:
/// `y = sg(D_ψ(x; σ, c) − D̃_ref(x; σ, c))`, `L = w·yᵀx` (summed over dimensions, averaged over
/// the batch). Since `∂x/∂θ = ∂x₀/∂θ`, `∇_θ L = w·yᵀ ∂x₀/∂θ` — the score difference
/// `s_ψ − s_ref = (D_ψ − D_ref)/σ²` times `σ²` (absorbed into `w(σ) = σ²`·weighting).
/// Gradient descent moves `x₀` by `−η·w·y`: toward the teacher's prediction, away from the TA's.
///
/// Weightings `w` (per sample, stop-gradient):
/// - `unit`: 1 (the original Diff-Instruct code). With Gaussian models the optimum is a clean
///   closed form (see `Documentation/Algorithm.md`).
/// - `l2`: `1/‖D_ψ − D̃_ref‖₂` (DI++ eq. C.8): every sample's pull has unit size, so the
///   regulariser's force is bounded and a large reward can out-pull it (reward hacking).
/// - `dmd`: `1/mean_i|x₀ − D̃_ref|` (DMD2's and SiD's normaliser).
public struct IntegralKL: Divergence, Codable, Sendable, Equatable {
    public enum Weighting: String, Codable, Sendable, CaseIterable, ConfigurationChoice {
        case unit, l2, dmd
    }

    public var weighting: Weighting

    public init(weighting: Weighting = .unit) { self.weighting = weighting }

    public var name: String { "ikl" }

    public func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm {
        let x = inputs.noisy
        let n = inputs.batchSize, d = x.count / max(n, 1)
        let (y, weights, yNorm) = withoutGradients { () -> (Tensor, [Float], Float) in
            let frozen = x.detached()
            let reference = inputs.teacherGuidance.denoise(inputs.teacher, frozen, sigma: inputs.sigma, conditions: inputs.conditions)
            let assistant = inputs.assistantGuidance.denoise(inputs.assistant, frozen, sigma: inputs.sigma, conditions: inputs.conditions)
            let y = assistant - reference
            let norms = (0..<n).map { i in y.storage[(i * d)..<((i + 1) * d)].reduce(0) { $0 + $1 * $1 }.squareRoot() }
            let weights: [Float]
            switch weighting {
            case .unit:
                weights = [Float](repeating: 1, count: n)
            case .l2:
                weights = norms.map { 1 / Swift.max($0, 1e-8) }
            case .dmd:
                let gap = (inputs.x0.detached() - reference).abs().storage
                weights = (0..<n).map { i in 1 / Swift.max(gap[(i * d)..<((i + 1) * d)].reduce(0, +) / Float(d), 1e-8) }
            }
            return (y, weights, norms.reduce(0, +) / Float(Swift.max(n, 1)))
        }
        let w = Noise.perSample(Tensor(shape: [n], storage: weights), rank: x.rank)
        let loss = (x * (y * w)).sum() / Float(Swift.max(n, 1))
        return DivergenceTerm(loss: loss, diagnostics: [("y_norm", yNorm)])
    }
}
