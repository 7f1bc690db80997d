import DIPPTensor
import Foundation

/// The exact denoiser of an isotropic Gaussian mixture `p = Σ_k π_k N(μ_k, s_k² I)`:
/// `D(x; σ) = Σ_k γ_k(x)·(μ_k + s_k²/(s_k² + σ²)·(x − μ_k))`, with responsibilities
/// `γ_k ∝ π_k N(x; μ_k, (s_k² + σ²) I)`. Conditional on class `k` it is component `k` alone;
/// under `∅` it is the whole mixture — so classifier-free guidance on it is exact.
/// Built from tensor ops, so it is differentiable in `x` (SiD, Theorem 3.3 checks).
/// A single component is the Gaussian reference of ALGORITHM.md's closed forms.
public struct GaussianMixtureDenoiser: ScoreModel {
    /// `[K, d]` component means.
    public let means: Tensor
    /// Per-component standard deviations `s_k`.
    public let standardDeviations: [Float]
    /// Mixture weights `π_k` (summing to 1).
    public let weights: [Float]

    public init(means: [[Float]], standardDeviations: [Float], weights: [Float]? = nil) {
        precondition(!means.isEmpty && means.count == standardDeviations.count, "GaussianMixtureDenoiser: one std per mean")
        let d = means[0].count
        self.means = Tensor(shape: [means.count, d], storage: means.flatMap { $0 })
        self.standardDeviations = standardDeviations
        self.weights = weights ?? [Float](repeating: 1 / Float(means.count), count: means.count)
    }

    public var componentCount: Int { means.shape[0] }
    public var sampleShape: [Int] { [means.shape[1]] }

    public func denoise(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
        let (n, k, d) = (x.shape[0], componentCount, means.shape[1])
        let sigmas = sigma.storage
        // v_nk = s_k² + σ_n²
        var variances = [Float](repeating: 0, count: n * k)
        var logPrior = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            let label = conditions.labels[i]
            for j in 0..<k {
                let s = standardDeviations[j]
                variances[i * k + j] = s * s + sigmas[i] * sigmas[i]
                let allowed = label == Conditions.nullLabel || label == j
                logPrior[i * k + j] = allowed ? Foundation.log(weights[j]) : -1e30
            }
        }
        let v = Tensor(shape: [n, k], storage: variances)
        let diff = x.reshaped([n, 1, d]) - means.reshaped([1, k, d])            // [n, k, d]
        let squared = diff.square().sum(axis: 2)                                 // [n, k]
        let logits = Tensor(shape: [n, k], storage: logPrior) - squared / (v * 2) - v.log() * (Float(d) / 2)
        let gamma = logits.logSoftmax().exp()                                    // [n, k]
        let shrink = Tensor(shape: [n, k], storage: (0..<(n * k)).map {
            let s = standardDeviations[$0 % k]
            return s * s / variances[$0]
        })
        let perComponent = means.reshaped([1, k, d]) + diff * shrink.reshaped([n, k, 1])
        return (perComponent * gamma.reshaped([n, k, 1])).sum(axis: 1)
    }
}
