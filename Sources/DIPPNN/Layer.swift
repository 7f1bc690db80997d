import DIPPTensor

/// Something with named, trainable parameters.
///
/// Contract: `namedParameters` lists every parameter exactly once, in a stable order, under a
/// dotted path (`"layers.0.weight"`) that checkpoints use as the safetensors tensor name.
/// Parameters are leaf tensors with `requiresGrad: true`; optimizers update them in place.
public protocol Layer {
    /// Every parameter with its dotted name, in a stable order.
    var namedParameters: [(name: String, tensor: Tensor)] { get }
}

// MARK: - Default implementations

extension Layer {
    /// The parameters, in the order of ``namedParameters``.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Freezes (`false`) or unfreezes (`true`) every parameter for the graphs built afterwards.
    public func setTrainable(_ trainable: Bool) {
        for p in parameters { p.requiresGrad = trainable }
    }

    /// Copies every parameter value from `other`, a layer of the same architecture.
    public func copyParameters(from other: some Layer) {
        let source = other.namedParameters
        precondition(source.map(\.name) == namedParameters.map(\.name), "copyParameters: the layers differ")
        for ((_, target), (_, value)) in zip(namedParameters, source) {
            precondition(target.shape == value.shape, "copyParameters: shapes differ")
            let values = value.storage
            target.withMutableStorage { $0 = values }
        }
    }

    /// Copies of the parameter values by name (for checkpoints).
    public func stateDictionary() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.tensor.detached()) })
    }

    /// Overwrites every parameter with the tensor of the same name from `state`.
    /// Throws ``LayerLoadError`` naming the first missing or mis-shaped tensor; on error no
    /// parameter has been changed.
    public func load(_ state: [String: Tensor], source: String = "checkpoint") throws {
        for (name, tensor) in namedParameters {
            guard let value = state[name] else {
                throw LayerLoadError(location: "\(source), tensor '\(name)'", what: "the parameter is missing",
                                     hint: "the checkpoint was written by a different model configuration")
            }
            guard value.shape == tensor.shape else {
                throw LayerLoadError(location: "\(source), tensor '\(name)'",
                                     what: "shape \(value.shape) does not match the model's \(tensor.shape)",
                                     hint: "the checkpoint was written by a different model configuration")
            }
        }
        for (name, tensor) in namedParameters {
            let values = state[name]!.storage
            tensor.withMutableStorage { $0 = values }
        }
    }
}

/// A checkpoint does not fit the model it is loaded into.
public struct LayerLoadError: DiagnosticError {
    public let location: String
    public let what: String
    public let hint: String
}

/// Prefixes the names of a sub-layer's parameters (`"encoder"` + `"weight"` → `"encoder.weight"`).
public func prefixed(_ prefix: String, _ layer: some Layer) -> [(name: String, tensor: Tensor)] {
    layer.namedParameters.map { ("\(prefix).\($0.name)", $0.tensor) }
}
