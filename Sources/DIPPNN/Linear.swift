import DIPPTensor
import Foundation

/// A fully connected layer `y = x·W + b`, `W ∈ ℝ^{in×out}`, applied to the last axis.
///
/// Initialisation (PyTorch's default): `W, b ~ U(−1/√in, 1/√in)`.
public struct Linear: Layer {
    /// `[inputSize, outputSize]`.
    public let weight: Tensor
    /// `[outputSize]`, or `nil` without bias.
    public let bias: Tensor?

    public init(inputSize: Int, outputSize: Int, bias hasBias: Bool = true, rng: inout RandomStream) {
        let bound = 1 / Float(inputSize).squareRoot()
        weight = Tensor.randomUniform([inputSize, outputSize], in: -bound...bound, using: &rng, requiresGrad: true)
        bias = hasBias ? Tensor.randomUniform([outputSize], in: -bound...bound, using: &rng, requiresGrad: true) : nil
    }

    /// A layer with the given weight `[inputSize, outputSize]` and bias `[outputSize]` (loaded
    /// weights; they stay trainable only if the tensors require gradients).
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2 && (bias.map { $0.shape == [weight.shape[1]] } ?? true),
                     "Linear: weight \(weight.shape) and bias \(bias?.shape ?? []) do not fit")
        (self.weight, self.bias) = (weight, bias)
    }

    public var inputSize: Int { weight.shape[0] }
    public var outputSize: Int { weight.shape[1] }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// `x·W + b` for `x` of shape `[…, inputSize]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.linear(weight, bias: bias)
    }

    /// `activation(x·W + b)`; SiLU is fused into the layer's pass (``Tensor/linear(_:bias:applyingSiLU:)``).
    public func callAsFunction(_ x: Tensor, activation: ActivationFunction) -> Tensor {
        activation == .silu ? x.linear(weight, bias: bias, applyingSiLU: true) : activation(self(x))
    }
}
