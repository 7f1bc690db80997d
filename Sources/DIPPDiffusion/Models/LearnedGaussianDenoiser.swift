import DIPPNN
import DIPPTensor
import Foundation

/// A trainable Gaussian denoiser: per class `k`, `D(x; σ, k) = μ_k + s_k²/(s_k² + σ²)·(x − μ_k)`
/// with learned `μ_k` and `log s_k` — the exact denoiser family of an isotropic Gaussian.
/// Used as a learned TA with the right inductive bias in the closed-form tests (the TA of an
/// affine generator is exactly of this form). With one class, `∅` maps to that class.
public struct LearnedGaussianDenoiser: ScoreModel, Layer {
    /// `[K, d]`.
    public let means: Tensor
    /// `[K]`, `log s_k`.
    public let logStd: Tensor

    public init(means: [[Float]], standardDeviations: [Float]) {
        self.means = Tensor(shape: [means.count, means[0].count], storage: means.flatMap { $0 }, requiresGrad: true)
        logStd = Tensor(shape: [means.count], storage: standardDeviations.map { Foundation.log($0) }, requiresGrad: true)
    }

    public var sampleShape: [Int] { [means.shape[1]] }
    public var namedParameters: [(name: String, tensor: Tensor)] { [("means", means), ("log_std", logStd)] }

    public func denoise(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
        let k = means.shape[0]
        let rows = conditions.labels.map { $0 == Conditions.nullLabel ? 0 : $0 }
        precondition(rows.allSatisfy { $0 < k }, "LearnedGaussianDenoiser: label outside 0..<\(k)")
        let mu = means.indexSelect(axis: 0, indices: rows)                          // [N, d]
        let variance = (logStd.indexSelect(axis: 0, indices: rows) * 2).exp()       // [N]
        let shrink = variance / (variance + sigma.square())                          // [N]
        return mu + (x - mu) * shrink.reshaped([x.shape[0], 1])
    }
}
