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
        let terms = componentTerms(x, sigma: sigma, conditions: conditions)
        let gamma = terms.logits.logSoftmax().exp()                              // [n, k]
        let shrink = Tensor(shape: [n, k], storage: (0..<(n * k)).map {
            let s = standardDeviations[$0 % k]
            return s * s / terms.variances[$0]
        })
        let perComponent = means.reshaped([1, k, d]) + terms.diff * shrink.reshaped([n, k, 1])
        return (perComponent * gamma.reshaped([n, k, 1])).sum(axis: 1)
    }

    /// `log p_σ(x | c)` per sample (`[N]`): the log-density of the noisy data, conditional on
    /// the class or (for `∅`) of the mixture; differentiable in `x`, with `∇ₓ = score`.
    /// (Theorem 3.3's implicit CFG reward is a weighted difference of two of these.)
    public func logDensity(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
        let n = x.shape[0], d = means.shape[1]
        let logits = componentTerms(x, sigma: sigma, conditions: conditions).logits
        let rowMax = withoutGradients { (0..<n).map { i in (0..<componentCount).map { logits.storage[i * componentCount + $0] }.max()! } }
        let shift = Tensor(shape: [n, 1], storage: rowMax)
        let logSum = (logits - shift).exp().sum(axis: 1).log() + shift.reshaped([n])
        return logSum - Float(d) / 2 * Foundation.log(2 * Float.pi)
    }

    /// Per (sample, component): `log π_k + log N(x; μ_k, v I)` (−∞-like for components the
    /// condition excludes), `x − μ_k`, and `v = s_k² + σ²`.
    private func componentTerms(_ x: Tensor, sigma: Tensor, conditions: Conditions)
        -> (logits: Tensor, diff: Tensor, variances: [Float]) {
        let (n, k, d) = (x.shape[0], componentCount, means.shape[1])
        let sigmas = sigma.storage
        var variances = [Float](repeating: 0, count: n * k)
        var logPrior = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            let label = conditions.labels[i]
            for j in 0..<k {
                let s = standardDeviations[j]
                variances[i * k + j] = s * s + sigmas[i] * sigmas[i]
                // p(x | c = k) is component k alone (prior 1); p(x) is the weighted mixture.
                if label == Conditions.nullLabel { logPrior[i * k + j] = Foundation.log(weights[j]) }
                else { logPrior[i * k + j] = label == j ? 0 : -1e30 }
            }
        }
        let v = Tensor(shape: [n, k], storage: variances)
        let diff = x.reshaped([n, 1, d]) - means.reshaped([1, k, d])            // [n, k, d]
        let squared = diff.square().sum(axis: 2)                                 // [n, k]
        let logits = Tensor(shape: [n, k], storage: logPrior) - squared / (v * 2) - v.log() * (Float(d) / 2)
        return (logits, diff, variances)
    }
}
