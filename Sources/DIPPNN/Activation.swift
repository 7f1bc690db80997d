import DIPPTensor

/// A point-wise nonlinearity, chosen by name in configurations.
public enum ActivationFunction: String, Codable, Sendable, CaseIterable, ConfigurationChoice {
    case silu, gelu, relu, tanh, sigmoid, softplus

    /// Applies the function.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .silu: x.silu()
        case .gelu: x.gelu()
        case .relu: x.relu()
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .softplus: x.softplus()
        }
    }
}
