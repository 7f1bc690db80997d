import DIPPNN
import DIPPTensor

/// A trainable EDM denoiser: ``EDMPreconditioning`` — or an imported model's
/// ``DiscreteVPSchedule`` (``DenoiserConfiguration/schedule``) — around a ``DenoiserNetwork``
/// built from a ``DenoiserConfiguration``. Its parameters are the network's, named `network.…`.
public struct EDMDenoiser: ScoreModel, Layer {
    public let configuration: DenoiserConfiguration
    public let preconditioning: EDMPreconditioning
    public let network: any DenoiserNetwork
    /// Builds a network of this architecture (for ``copy()`` and ``reinitialised(rng:)``).
    public let build: DenoiserNetworks.Build

    /// A freshly initialised denoiser (seeded) with the network `build` makes for `configuration`
    /// (`Components.denoiser(_:rng:)` looks the build up by `configuration.architecture`).
    public init(_ configuration: DenoiserConfiguration, build: @escaping DenoiserNetworks.Build, rng: inout RandomStream) {
        self.configuration = configuration
        self.build = build
        preconditioning = EDMPreconditioning(sigmaData: configuration.sigmaData)
        network = build(configuration, &rng)
    }

    /// A new denoiser of the same architecture and configuration, initialised from `rng`.
    public func reinitialised(rng: inout RandomStream) -> EDMDenoiser { EDMDenoiser(configuration, build: build, rng: &rng) }

    /// An independent copy with the same configuration and parameter values (e.g. the TA,
    /// initialised from the teacher).
    public func copy() -> EDMDenoiser {
        var rng = RandomStream(seed: 0)
        let clone = reinitialised(rng: &rng)
        clone.copyParameters(from: self)
        return clone
    }

    public var sampleShape: [Int] { configuration.sampleShape }

    public var namedParameters: [(name: String, tensor: Tensor)] { prefixed("network", network) }

    public func denoise(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == sampleShape, "denoise: x \(x.shape) does not match sample shape \(sampleShape)")
        precondition(sigma.count == x.shape[0] && conditions.count == x.shape[0], "denoise: batch sizes of x, σ and c differ")
        if let schedule = configuration.schedule {
            return schedule.denoise(x, sigma: sigma) { input, timestep in network(input, noiseLevel: timestep, conditions: conditions) }
        }
        return preconditioning.denoise(x, sigma: sigma) { input, noise in
            network(input, noiseLevel: noise, conditions: conditions)
        }
    }
}
