import DIPPNN
import DIPPTensor

/// A trainable EDM denoiser: ``EDMPreconditioning`` around a ``DenoiserNetwork`` built from a
/// ``DenoiserConfiguration``. Its parameters are the network's, named `network.…`.
public struct EDMDenoiser: ScoreModel, Layer {
    public let configuration: DenoiserConfiguration
    public let preconditioning: EDMPreconditioning
    public let network: any DenoiserNetwork

    /// A freshly initialised denoiser (seeded).
    public init(_ configuration: DenoiserConfiguration, rng: inout RandomStream) {
        self.configuration = configuration
        preconditioning = EDMPreconditioning(sigmaData: configuration.sigmaData)
        network = DenoiserNetworks.make(configuration, rng: &rng)
    }

    /// An independent copy with the same configuration and parameter values (e.g. the TA,
    /// initialised from the teacher).
    public func copy() -> EDMDenoiser {
        var rng = RandomStream(seed: 0)
        let clone = EDMDenoiser(configuration, rng: &rng)
        clone.copyParameters(from: self)
        return clone
    }

    public var sampleShape: [Int] { configuration.sampleShape }

    public var namedParameters: [(name: String, tensor: Tensor)] { prefixed("network", network) }

    public func denoise(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == sampleShape, "denoise: x \(x.shape) does not match sample shape \(sampleShape)")
        precondition(sigma.count == x.shape[0] && conditions.count == x.shape[0], "denoise: batch sizes of x, σ and c differ")
        return preconditioning.denoise(x, sigma: sigma) { input, noise in
            network(input, noiseLevel: noise, conditions: conditions)
        }
    }
}
