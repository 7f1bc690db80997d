import DIPPDiffusion
import DIPPTensor

/// A one-step generator as a ``Sampler``: `x = g_θ(z, c)`, one network evaluation. The score
/// model and guidance arguments are not used (the generator already embodies them); the
/// model's sample shape must match the generator's.
public struct GeneratorSampler: Sampler {
    public let generator: any Generator

    public init(_ generator: any Generator) { self.generator = generator }

    public var description: String { "one-step generator" }
    public var evaluations: Int { 1 }

    public func sample(_ model: any ScoreModel, guidance: any Guidance, conditions: Conditions, rng: inout RandomStream) -> Tensor {
        precondition(model.sampleShape.reduce(1, *) == generator.sampleShape.reduce(1, *),
                     "GeneratorSampler: the generator's samples \(generator.sampleShape) do not match \(model.sampleShape)")
        return generator.sample(conditions: conditions, rng: &rng)
    }

    /// The generator's latents `z` (``Generator/sampleLatents(count:rng:)``).
    public func initialNoise(count: Int, shape: [Int], rng: inout RandomStream) -> Tensor {
        generator.sampleLatents(count: count, rng: &rng)
    }
}
