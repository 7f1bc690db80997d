import DIPPNN
import DIPPTensor

/// CLIP's image tower, a pre-LN ViT (Dosovitskiy et al., 2021; `vision_model.*`):
///
/// `z = [c; P·patches(x)] + E_pos` (a `p×p`, stride-`p` convolution without bias, the class
/// token `c` first), `h = Encoder(LN_pre(z))`, pooled `LN_post(h[:, 0])`.
public struct CLIPVisionTower: Layer {
    public let patchEmbedding: Tensor      // [H, 3, p, p]
    public let classEmbedding: Tensor      // [H]
    public let positionEmbedding: Tensor   // [N + 1, H]
    public let preNorm: LayerNorm, postNorm: LayerNorm
    public let layers: [CLIPEncoderLayer]
    public let patchSize: Int

    /// The tower of a `CLIPModel` state dictionary (`vision_model.*` names), frozen unless `trainable`.
    public init(configuration: CLIPConfiguration, weights: SafeTensors.Contents, source: String, trainable: Bool = false) throws {
        try self.init(HuggingFaceWeights(contents: weights, source: source, trainable: trainable), configuration)
    }

    init(_ w: HuggingFaceWeights, _ c: CLIPConfiguration) throws {
        let h = c.vision.hiddenSize
        patchEmbedding = try w.tensor("vision_model.embeddings.patch_embedding.weight", [h, c.channelCount, c.patchSize, c.patchSize])
        classEmbedding = try w.tensor("vision_model.embeddings.class_embedding", [h])
        positionEmbedding = try w.tensor("vision_model.embeddings.position_embedding.weight", [c.visionTokenCount, h])
        preNorm = try w.layerNorm("vision_model.pre_layrnorm", h, epsilon: c.vision.layerNormEpsilon)
        postNorm = try w.layerNorm("vision_model.post_layernorm", h, epsilon: c.vision.layerNormEpsilon)
        layers = try (0..<c.vision.layerCount).map { try CLIPEncoderLayer(w, "vision_model.encoder.layers.\($0)", c.vision) }
        patchSize = c.patchSize
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("embeddings.patch_embedding.weight", patchEmbedding), ("embeddings.class_embedding", classEmbedding),
         ("embeddings.position_embedding.weight", positionEmbedding)]
            + prefixed("pre_layrnorm", preNorm) + layers.enumerated().flatMap { prefixed("encoder.layers.\($0.offset)", $0.element) }
            + prefixed("post_layernorm", postNorm)
    }

    func write(into out: inout HuggingFaceTensors) {
        out.put("vision_model.embeddings.patch_embedding.weight", patchEmbedding)
        out.put("vision_model.embeddings.class_embedding", classEmbedding)
        out.put("vision_model.embeddings.position_embedding.weight", positionEmbedding)
        out.put("vision_model.pre_layrnorm", preNorm)
        for (i, layer) in layers.enumerated() { layer.write("vision_model.encoder.layers.\(i)", into: &out) }
        out.put("vision_model.post_layernorm", postNorm)
    }

    /// Normalised pixels `[B, 3, S, S]` → the last hidden states `[B, N + 1, H]` and the pooled `[B, H]`.
    public func callAsFunction(_ pixels: Tensor) -> (hidden: Tensor, pooled: Tensor) {
        let (b, h) = (pixels.shape[0], classEmbedding.count)
        let patches = pixels.conv2d(patchEmbedding, stride: patchSize)                 // [B, H, g, g]
        let n = patches.shape[2] * patches.shape[3]
        precondition(n + 1 == positionEmbedding.shape[0], "CLIPVisionTower: pixels \(pixels.shape) give \(n) patches, the model has \(positionEmbedding.shape[0] - 1)")
        let tokens = patches.reshaped([b, h, n]).transposed(1, 2)                      // [B, N, H]
        let cls = (classEmbedding.reshaped([1, 1, h]) + Tensor.zeros([b, 1, h]))
        var hidden = preNorm(Tensor.concat([cls, tokens], axis: 1) + positionEmbedding.reshaped([1, n + 1, h]))
        for layer in layers { hidden = layer(hidden) }
        return (hidden, postNorm(hidden.slice(axis: 1, start: 0, count: 1).reshaped([b, h])))
    }
}
