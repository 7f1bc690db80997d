import DIPPDiffusion
import DIPPNN
import DIPPTensor

/// A generator `x₀ = g_θ(z, c)`: anything differentiable in its parameters θ.
///
/// Contract:
/// - `z` is `[N] + latentShape`; `conditions.count == N`; the result is `[N] + sampleShape`.
///   Latent and sample shapes may differ (GAN-style generators).
/// - The result is built on the tape (built-in layers, or a custom node whose VJP is
///   `v ↦ vᵀ ∂x₀/∂θ` for plugin generators), so the optimizer gets `∂L/∂θ` from backward.
/// - The parameters (``Layer/namedParameters``) are owned by the host: Adam, EMA, checkpoints
///   and resume are shared by every generator.
public protocol Generator: Layer {
    /// Per-sample shape of `z`.
    var latentShape: [Int] { get }
    /// Per-sample shape of `x₀`.
    var sampleShape: [Int] { get }
    /// `x₀ = g_θ(z, c)`.
    func callAsFunction(_ z: Tensor, conditions: Conditions) -> Tensor
    /// Draws `count` latents (default: standard normal).
    func sampleLatents(count: Int, rng: inout RandomStream) -> Tensor
}

// MARK: - Default implementations

extension Generator {
    public func sampleLatents(count: Int, rng: inout RandomStream) -> Tensor {
        Tensor.randomNormal([count] + latentShape, using: &rng)
    }

    /// Samples for `conditions` without recording gradients (one network evaluation).
    public func sample(conditions: Conditions, rng: inout RandomStream) -> Tensor {
        let z = sampleLatents(count: conditions.count, rng: &rng)
        return withoutGradients { self(z, conditions: conditions) }
    }
}
