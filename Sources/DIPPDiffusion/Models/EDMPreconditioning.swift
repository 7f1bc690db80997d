import DIPPTensor
import Foundation

/// EDM preconditioning (Karras et al., 2022, Table 1): wraps a raw network `F` into a denoiser
/// `D(x; σ, c) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x, c_noise(σ), c)` with
/// `c_skip = σ_d²/(σ² + σ_d²)`, `c_out = σ·σ_d/√(σ² + σ_d²)`, `c_in = 1/√(σ² + σ_d²)`,
/// `c_noise = ¼ ln σ`, so that `F`'s input and target both have unit variance at every σ.
public struct EDMPreconditioning: Sendable, Codable, Equatable {
    /// `σ_d`, the data's standard deviation.
    public var sigmaData: Float

    public init(sigmaData: Float) { self.sigmaData = sigmaData }

    public func cSkip(_ sigma: Float) -> Float { sigmaData * sigmaData / (sigma * sigma + sigmaData * sigmaData) }
    public func cOut(_ sigma: Float) -> Float { sigma * sigmaData / (sigma * sigma + sigmaData * sigmaData).squareRoot() }
    public func cIn(_ sigma: Float) -> Float { 1 / (sigma * sigma + sigmaData * sigmaData).squareRoot() }
    public func cNoise(_ sigma: Float) -> Float { Foundation.log(sigma) / 4 }

    /// EDM's loss weight `λ(σ) = (σ² + σ_d²)/(σ·σ_d)²` = `1/c_out²`, which makes the
    /// weighted loss equal `‖F − F_target‖²` with a unit-variance target.
    public func lossWeight(_ sigma: Float) -> Float {
        (sigma * sigma + sigmaData * sigmaData) / ((sigma * sigmaData) * (sigma * sigmaData))
    }

    /// Applies the preconditioning around `network(x_in, c_noise)` for a batch `x` with
    /// per-sample `sigma` (`[N]`).
    public func denoise(_ x: Tensor, sigma: Tensor, _ network: (_ input: Tensor, _ noiseLevel: Tensor) -> Tensor) -> Tensor {
        let sigmas = sigma.storage
        let rank = x.rank
        func coefficient(_ f: (Float) -> Float) -> Tensor {
            Noise.perSample(Tensor(shape: [sigmas.count], storage: sigmas.map(f)), rank: rank)
        }
        let noiseLevel = Tensor(shape: [sigmas.count], storage: sigmas.map(cNoise))
        let f = network(x * coefficient(cIn), noiseLevel)
        return x * coefficient(cSkip) + f * coefficient(cOut)
    }
}
