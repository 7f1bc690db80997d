import DIPPNN
import DIPPTensor

/// `F(x_in, c_noise, c)` for vectors: an MLP on `[x_in, φ(c_noise), e(c)]`, where `φ` are
/// sinusoidal features and `e` the ``ConditionEncoder`` (labels with a learned null row, text,
/// camera).
public struct MLPDenoiserNetwork: DenoiserNetwork {
    public let features: FourierFeatures
    public let conditionEncoder: ConditionEncoder
    public let mlp: MLP
    let dimension: Int

    public init(_ configuration: DenoiserConfiguration, rng: inout RandomStream) {
        let c = configuration
        dimension = c.sampleShape.reduce(1, *)
        features = FourierFeatures(positionalDimension: c.noiseFeatures, maxPositions: 100)
        conditionEncoder = ConditionEncoder(c, rng: &rng)
        mlp = MLP(sizes: [dimension + c.noiseFeatures + c.embeddingDimension] + c.hidden + [dimension],
                  activation: c.activation, rng: &rng)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        conditionEncoder.namedParameters + prefixed("mlp", mlp)
    }

    public func callAsFunction(_ input: Tensor, noiseLevel: Tensor, conditions: Conditions) -> Tensor {
        let n = input.shape[0]
        let h = Tensor.concat([input.reshaped([n, dimension]), features(noiseLevel),
                               conditionEncoder(conditions)], axis: 1)
        return mlp(h).reshaped(input.shape)
    }
}
