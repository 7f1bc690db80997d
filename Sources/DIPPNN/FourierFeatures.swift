import DIPPTensor
import Foundation

/// Sinusoidal features of a scalar per sample (noise level, time, camera angle), no parameters.
///
/// `positional`: EDM's/Transformer's `[cos(x·f_i), sin(x·f_i)]` with
/// `f_i = (1/maxPositions)^{i/(d/2)}`, `i = 0…d/2−1`.
/// `random`: Fourier features `[cos(2π x·f_i), sin(2π x·f_i)]` with fixed `f_i ~ N(0, scale²)`
/// (Tancik et al., 2020), drawn once from the given seed.
public struct FourierFeatures: Layer {
    public let frequencies: Tensor

    /// Deterministic transformer-style frequencies.
    public init(positionalDimension dimension: Int, maxPositions: Float = 10_000) {
        precondition(dimension % 2 == 0 && dimension > 0, "FourierFeatures needs an even dimension")
        let half = dimension / 2
        frequencies = Tensor(shape: [1, half], storage: (0..<half).map {
            Foundation.pow(1 / maxPositions, Float($0) / Float(half))
        })
    }

    /// Random Gaussian frequencies, `2π·N(0, scale²)`.
    public init(randomDimension dimension: Int, scale: Float = 16, rng: inout RandomStream) {
        precondition(dimension % 2 == 0 && dimension > 0, "FourierFeatures needs an even dimension")
        frequencies = Tensor(shape: [1, dimension / 2], storage: rng.normal(dimension / 2).map { 2 * Float.pi * scale * $0 })
    }

    /// Fixed, not trained: no parameters.
    public var namedParameters: [(name: String, tensor: Tensor)] { [] }

    public var dimension: Int { 2 * frequencies.count }

    /// `[N]` values → `[N, dimension]` features; differentiable with respect to `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.fourierFeatures(x, frequencies: frequencies)
    }
}
