import DIPPDiffusion
import DIPPNN
import DIPPTensor

/// A plain conditional MLP generator whose latent size differs from the data size:
/// `g_θ(z, c) = MLP([z, e(c)])`, `z ~ N(0, I_latent)`. It shows the optimizer assumes nothing
/// about the generator's shape beyond `x₀ = g_θ(z, c)` and its VJP.
public struct MLPGenerator: Generator {
    public struct Configuration: Codable, Sendable, Equatable {
        public var latentDimension: Int = 8
        public var hidden: [Int] = [256, 256]
        public var embeddingDimension: Int = 16
        public var activation: ActivationFunction = .silu

        public init(latentDimension: Int = 8, hidden: [Int] = [256, 256], embeddingDimension: Int = 16,
                    activation: ActivationFunction = .silu) {
            (self.latentDimension, self.hidden, self.embeddingDimension, self.activation) = (latentDimension, hidden, embeddingDimension, activation)
        }
    }

    public let configuration: Configuration
    public let sampleShape: [Int]
    public let classCount: Int
    public let embedding: Embedding
    public let mlp: MLP

    public init(_ configuration: Configuration, sampleShape: [Int], classCount: Int, rng: inout RandomStream) {
        self.configuration = configuration
        self.sampleShape = sampleShape
        self.classCount = classCount
        embedding = Embedding(count: classCount + 1, dimension: configuration.embeddingDimension, rng: &rng)
        mlp = MLP(sizes: [configuration.latentDimension + configuration.embeddingDimension] + configuration.hidden
                      + [sampleShape.reduce(1, *)], activation: configuration.activation, rng: &rng)
    }

    public var latentShape: [Int] { [configuration.latentDimension] }
    public var namedParameters: [(name: String, tensor: Tensor)] { prefixed("embedding", embedding) + prefixed("mlp", mlp) }

    public func callAsFunction(_ z: Tensor, conditions: Conditions) -> Tensor {
        let h = Tensor.concat([z, embedding(conditions.embeddingRows(classCount: classCount))], axis: 1)
        return mlp(h).reshaped([z.shape[0]] + sampleShape)
    }
}
