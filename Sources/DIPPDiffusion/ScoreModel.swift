import DIPPTensor

/// A denoiser `D(x; σ, c) ≈ E[x₀ | x, c]` for `x = x₀ + σε`, the EDM view of a diffusion model.
///
/// Contract:
/// - `x` is `[N] + sampleShape`; `sigma` is `[N]` (one noise level per sample, > 0);
///   `conditions.count == N`. The result has `x`'s shape.
/// - The map is differentiable in `x` through the tape (SiD and reward gradients need
///   `∂D/∂x`), and in the model's parameters if it has any.
/// - Score: `s(x; σ, c) = (D(x; σ, c) − x)/σ²` (``score(_:sigma:conditions:)``).
public protocol ScoreModel {
    /// Per-sample shape of `x`.
    var sampleShape: [Int] { get }

    /// `D(x; σ, c)`.
    func denoise(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor
}

// MARK: - Default implementations

extension ScoreModel {
    /// The score `∇ₓ log p(x; σ, c) = (D(x; σ, c) − x)/σ²`.
    public func score(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
        let s = Noise.perSample(sigma, rank: x.rank)
        return (denoise(x, sigma: sigma, conditions: conditions) - x) / (s * s)
    }
}

/// Helpers for per-sample noise levels.
public enum Noise {
    /// Reshapes `[N]` noise levels to `[N, 1, …]` so they broadcast against a rank-`rank` batch.
    public static func perSample(_ sigma: Tensor, rank: Int) -> Tensor {
        sigma.reshaped([sigma.count] + [Int](repeating: 1, count: max(rank - 1, 0)))
    }

    /// `[N]` copies of one noise level.
    public static func constant(_ sigma: Float, count: Int) -> Tensor { Tensor.full([count], sigma) }
}
