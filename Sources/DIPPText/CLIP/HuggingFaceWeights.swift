import DIPPNN
import DIPPTensor

/// Named tensors of a Hugging Face `model.safetensors`, read with a shape check each, turned
/// into DIPP layers: a linear weight stored `[out, in]` (PyTorch's layout) is transposed once to
/// ``Linear``'s `[in, out]`; a `LayerNorm`'s `weight`/`bias` become its scale and shift.
struct HuggingFaceWeights {
    let contents: SafeTensors.Contents
    /// The file, for messages.
    let source: String
    /// Prepended to every name (e.g. `bert.`).
    var prefix = ""
    /// Whether the loaded tensors require gradients.
    var trainable = false

    func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
        let full = prefix + name
        guard let t = contents.tensors[full] else {
            throw TextEncoderError(location: "\(source), tensor '\(full)'", what: "the tensor is missing",
                                   hint: "the file is not a checkpoint of the architecture its config.json describes")
        }
        guard t.shape == shape || (shape.isEmpty && t.count == 1) else {
            throw TextEncoderError(location: "\(source), tensor '\(full)'", what: "shape \(t.shape), expected \(shape)",
                                   hint: "the file does not match its config.json")
        }
        return Tensor(shape: shape, storage: t.storage, requiresGrad: trainable)
    }

    /// `name.weight` (`[outputs, inputs]` in the file) and, if `bias`, `name.bias`.
    func linear(_ name: String, _ inputs: Int, _ outputs: Int, bias: Bool = true) throws -> Linear {
        let w = try tensor("\(name).weight", [outputs, inputs])
        return Linear(weight: Tensor(shape: [inputs, outputs], storage: w.transposed(0, 1).storage, requiresGrad: trainable),
                      bias: bias ? try tensor("\(name).bias", [outputs]) : nil)
    }

    func layerNorm(_ name: String, _ size: Int, epsilon: Float) throws -> LayerNorm {
        LayerNorm(scale: try tensor("\(name).weight", [size]), shift: try tensor("\(name).bias", [size]), epsilon: epsilon)
    }
}

/// The writer's side of ``HuggingFaceWeights``: tensors under Hugging Face names, a linear
/// weight transposed back to `[out, in]`, a layer norm's scale and shift as `weight` and `bias`.
struct HuggingFaceTensors {
    private(set) var tensors: [String: Tensor] = [:]

    mutating func put(_ name: String, _ tensor: Tensor) { tensors[name] = tensor.detached() }

    mutating func put(_ name: String, _ linear: Linear) {
        tensors["\(name).weight"] = linear.weight.detached().transposed(0, 1)
        if let bias = linear.bias { tensors["\(name).bias"] = bias.detached() }
    }

    mutating func put(_ name: String, _ norm: LayerNorm) {
        tensors["\(name).weight"] = norm.scale.detached()
        tensors["\(name).bias"] = norm.shift.detached()
    }
}
