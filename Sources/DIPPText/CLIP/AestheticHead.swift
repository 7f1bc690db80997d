import DIPPNN
import DIPPTensor
import Foundation

/// The LAION improved-aesthetic-predictor head: linear layers `layers.N` applied in index order
/// to the L2-normalised CLIP image embedding, `a = L_k(⋯L_1(f̂_I))`. LAION's MLP has dropouts
/// between its `Linear`s and no activation (`layers.0, 2, 4, 6, 7` in its `nn.Sequential`), so
/// the head is affine in `f̂_I`. (A head trained with activations between its layers would be
/// read, but evaluated without them: the layout carries no activations.)
public struct AestheticHead: Layer {
    public let layers: [Linear]

    /// Reads `head.safetensors`: `layers.N.weight` `[out, in]` and `layers.N.bias` for each `N`,
    /// the first taking `inputSize` values, the last giving one.
    public init(file: URL, inputSize: Int) throws {
        let contents = try SafeTensors.read(contentsOf: file)
        let indices = Set(contents.tensors.keys.compactMap { key -> Int? in
            let parts = key.split(separator: ".")
            return parts.count == 3 && parts[0] == "layers" ? Int(parts[1]) : nil
        }).sorted()
        let hint = "write the head with Scripts/convert_clip_reward.py aesthetic (LAION's .pth → head.safetensors)"
        guard !indices.isEmpty, contents.tensors.count == 2 * indices.count else {
            throw TextEncoderError(location: file.path, what: "expected only layers.N.weight and layers.N.bias tensors, found \(contents.tensors.keys.sorted())", hint: hint)
        }
        let weights = HuggingFaceWeights(contents: contents, source: file.path)
        var size = inputSize
        var layers: [Linear] = []
        for (k, n) in indices.enumerated() {
            guard let shape = contents.tensors["layers.\(n).weight"]?.shape, shape.count == 2, shape[1] == size, k < indices.count - 1 || shape[0] == 1 else {
                throw TextEncoderError(location: "\(file.path), tensor 'layers.\(n).weight'",
                                       what: "shape \(contents.tensors["layers.\(n).weight"]?.shape ?? []), expected [\(k == indices.count - 1 ? "1" : "out"), \(size)]",
                                       hint: "the head must take the CLIP model's \(inputSize)-wide embedding and end in one value; \(hint)")
            }
            layers.append(try weights.linear("layers.\(n)", size, shape[0]))
            size = shape[0]
        }
        self.layers = layers
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { layers.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element) } }

    /// `[B, P]` normalised embeddings → `[B]` scores.
    public func callAsFunction(_ embeddings: Tensor) -> Tensor {
        layers.reduce(embeddings) { $1($0) }.reshaped([embeddings.shape[0]])
    }
}
