import DIPPTensor

extension CLIPModel {
    /// A fresh `CLIPModel` state dictionary under `transformers`' names, initialised as
    /// `CLIPPreTrainedModel._init_weights` does at `initializer_factor` 1: token embeddings
    /// `N(0, 0.02²)`, position embeddings `N(0, 0.02²)`, class embedding and patch kernel
    /// `N(0, (H^{-½})²)` and `N(0, 0.02²)`, attention projections `N(0, (H^{-½}·(2L)^{-½})²)`
    /// for q/k/v and `N(0, (H^{-½})²)` for the output, MLP `fc1` `N(0, ((2H)^{-½})²)`
    /// and `fc2` `N(0, (H^{-½}·(2L)^{-½})²)`, the projections `N(0, (H^{-½})²)`, biases 0,
    /// layer norms (1, 0), `logit_scale = ln(1/0.07) ≈ 2.6592`.
    public static func initialWeights(_ c: CLIPConfiguration, rng: inout RandomStream) -> [String: Tensor] {
        var w: [String: Tensor] = [:]
        func normal(_ name: String, _ shape: [Int], _ std: Float) {
            w[name] = Tensor(shape: shape, storage: rng.normal(Shape.count(shape)).map { $0 * std })
        }
        func zeros(_ name: String, _ n: Int) { w[name] = Tensor.zeros([n]) }
        func norm(_ name: String, _ n: Int) { w["\(name).weight"] = Tensor.ones([n]); zeros("\(name).bias", n) }
        func tower(_ prefix: String, _ t: CLIPConfiguration.Tower) {
            let (h, m, l) = (t.hiddenSize, t.intermediateSize, Float(t.layerCount))
            let input = 1 / Float(h).squareRoot() / (2 * l).squareRoot()
            for i in 0..<t.layerCount {
                let p = "\(prefix).encoder.layers.\(i)"
                for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                    normal("\(p).self_attn.\(proj).weight", [h, h], proj == "out_proj" ? 1 / Float(h).squareRoot() : input)
                    zeros("\(p).self_attn.\(proj).bias", h)
                }
                normal("\(p).mlp.fc1.weight", [m, h], 1 / (2 * Float(h)).squareRoot())
                zeros("\(p).mlp.fc1.bias", m)
                normal("\(p).mlp.fc2.weight", [h, m], input)
                zeros("\(p).mlp.fc2.bias", h)
                norm("\(p).layer_norm1", h)
                norm("\(p).layer_norm2", h)
            }
        }
        let (ht, hv) = (c.text.hiddenSize, c.vision.hiddenSize)
        normal("text_model.embeddings.token_embedding.weight", [c.vocabularySize, ht], 0.02)
        normal("text_model.embeddings.position_embedding.weight", [c.maximumPositions, ht], 0.02)
        tower("text_model", c.text)
        norm("text_model.final_layer_norm", ht)
        normal("vision_model.embeddings.class_embedding", [hv], 1 / Float(hv).squareRoot())
        normal("vision_model.embeddings.patch_embedding.weight", [hv, c.channelCount, c.patchSize, c.patchSize], 0.02)
        normal("vision_model.embeddings.position_embedding.weight", [c.visionTokenCount, hv], 0.02)
        norm("vision_model.pre_layrnorm", hv)
        tower("vision_model", c.vision)
        norm("vision_model.post_layernorm", hv)
        normal("visual_projection.weight", [c.projectionSize, hv], 1 / Float(hv).squareRoot())
        normal("text_projection.weight", [c.projectionSize, ht], 1 / Float(ht).squareRoot())
        w["logit_scale"] = Tensor(shape: [], storage: [Float(2.6592)])
        return w
    }
}
