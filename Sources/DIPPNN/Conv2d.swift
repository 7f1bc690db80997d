import DIPPTensor

/// A 2-D convolution layer on `[N, C, H, W]` (or channels-last `[N, H, W, C]`) with a per-channel bias.
/// Initialisation (PyTorch's default): `W, b ~ U(−1/√(C·k²), 1/√(C·k²))`.
public struct Conv2d: Layer {
    /// `[outputChannels, inputChannels, kernel, kernel]`.
    public let weight: Tensor
    /// `[outputChannels]`.
    public let bias: Tensor
    public let stride: Int
    public let padding: Int

    public init(inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                rng: inout RandomStream) {
        let bound = 1 / Float(inputChannels * kernel * kernel).squareRoot()
        weight = Tensor.randomUniform([outputChannels, inputChannels, kernel, kernel], in: -bound...bound,
                                      using: &rng, requiresGrad: true)
        bias = Tensor.randomUniform([outputChannels], in: -bound...bound, using: &rng, requiresGrad: true)
        self.stride = stride
        self.padding = padding
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, channelsLast: false) }

    /// The layer on `[N, C, H, W]`, or on `[N, H, W, C]` (and to it) with `channelsLast`.
    public func callAsFunction(_ x: Tensor, channelsLast: Bool) -> Tensor {
        x.conv2d(weight, bias: bias, stride: stride, padding: padding, channelsLast: channelsLast)
    }
}
