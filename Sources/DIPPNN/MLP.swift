import DIPPTensor

/// A multi-layer perceptron: `Linear → activation → … → Linear` (no activation after the last).
public struct MLP: Layer {
    public let layers: [Linear]
    public let activation: ActivationFunction

    /// - Parameter sizes: `[input, hidden…, output]`, at least two entries.
    public init(sizes: [Int], activation: ActivationFunction = .silu, rng: inout RandomStream) {
        precondition(sizes.count >= 2, "MLP needs at least an input and an output size")
        var built: [Linear] = []
        for (a, b) in zip(sizes, sizes.dropFirst()) { built.append(Linear(inputSize: a, outputSize: b, rng: &rng)) }
        layers = built
        self.activation = activation
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = i < layers.count - 1 ? layer(h, activation: activation) : layer(h)
        }
        return h
    }
}
