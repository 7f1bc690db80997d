import DIPPNN
import DIPPTensor

/// `F(x_in, c_noise, c)` for vectors: an MLP on `[x_in, φ(c_noise), e(c)]`, where `φ` are
/// sinusoidal features and `e` a learned class embedding with a learned null row.
public struct MLPDenoiserNetwork: DenoiserNetwork {
    public let features: FourierFeatures
    public let classEmbedding: Embedding
    public let mlp: MLP
    public let classCount: Int
    let dimension: Int

    public init(_ configuration: DenoiserConfiguration, rng: inout RandomStream) {
        let c = configuration
        dimension = c.sampleShape.reduce(1, *)
        classCount = c.classCount
        features = FourierFeatures(positionalDimension: c.noiseFeatures, maxPositions: 100)
        classEmbedding = Embedding(count: c.classCount + 1, dimension: c.embeddingDimension, rng: &rng)
        mlp = MLP(sizes: [dimension + c.noiseFeatures + c.embeddingDimension] + c.hidden + [dimension],
                  activation: c.activation, rng: &rng)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("class_embedding", classEmbedding) + prefixed("mlp", mlp)
    }

    public func callAsFunction(_ input: Tensor, noiseLevel: Tensor, conditions: Conditions) -> Tensor {
        let n = input.shape[0]
        let h = Tensor.concat([input.reshaped([n, dimension]), features(noiseLevel),
                               classEmbedding(conditions.embeddingRows(classCount: classCount))], axis: 1)
        return mlp(h).reshaped(input.shape)
    }
}
