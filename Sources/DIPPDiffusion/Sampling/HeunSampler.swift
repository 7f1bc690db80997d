import DIPPTensor
import Foundation

/// EDM's deterministic Heun sampler (Karras et al., 2022, Algorithm 1 with S_churn = 0).
///
/// Noise levels `t_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ`, `t_N = 0`;
/// `x ← z·t_0`; each step takes an Euler step with `d = (x − D̃(x; t_i))/t_i` and, except on the
/// last step, a Heun correction averaging `d` with the slope at `t_{i+1}`: `2N − 1` denoiser
/// evaluations (N = 18 → 35). Runs without recording gradients.
public struct HeunSampler: Codable, Sendable, Equatable {
    public var steps: Int = 18
    public var sigmaMin: Float = 0.002
    public var sigmaMax: Float = 80
    public var rho: Float = 7

    public init(steps: Int = 18, sigmaMin: Float = 0.002, sigmaMax: Float = 80, rho: Float = 7) {
        self.steps = steps
        self.sigmaMin = sigmaMin
        self.sigmaMax = sigmaMax
        self.rho = rho
    }

    /// `t_0 … t_{N−1}, 0`.
    public var noiseLevels: [Float] {
        let a = Foundation.pow(sigmaMax, 1 / rho), b = Foundation.pow(sigmaMin, 1 / rho)
        return (0..<steps).map { i in
            Foundation.pow(a + Float(i) / Float(Swift.max(steps - 1, 1)) * (b - a), rho)
        } + [0]
    }

    /// Denoiser evaluations per sample: `2N − 1`.
    public var evaluations: Int { 2 * steps - 1 }

    /// Draws samples for `conditions` from `model` under `guidance`.
    public func sample(_ model: any ScoreModel, guidance: any Guidance, conditions: Conditions,
                       rng: inout RandomStream) -> Tensor {
        let n = conditions.count
        let shape = [n] + model.sampleShape
        let t = noiseLevels
        return withoutGradients {
            var x = Tensor.randomNormal(shape, using: &rng) * t[0]
            for i in 0..<steps {
                let (tCur, tNext) = (t[i], t[i + 1])
                let d = (x - guidance.denoise(model, x, sigma: Noise.constant(tCur, count: n), conditions: conditions)) / tCur
                var next = x + d * (tNext - tCur)
                if i < steps - 1 {
                    let d2 = (next - guidance.denoise(model, next, sigma: Noise.constant(tNext, count: n), conditions: conditions)) / tNext
                    next = x + (d + d2) * (0.5 * (tNext - tCur))
                }
                x = next
            }
            return x
        }
    }
}
