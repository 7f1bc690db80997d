import DIPPDiffusion
import DIPPTensor
import Foundation

/// Raw samples with their conditions as one safetensors file, for metrics computed elsewhere
/// (`safetensors.numpy.load_file`, `safetensors.torch.load_file`). All tensors are float32:
/// - `samples` `[N] + sampleShape`;
/// - `latents`: the noise the sampler started from (``Sampler/initialNoise(count:shape:rng:)``):
///   a one-step generator's `z`, a diffusion sampler's unit-normal `x_T/σ_max`;
/// - `labels` `[N]` (−1 = `∅`) and `null_mask` `[N]` (1 = unconditional);
/// - `text_pooled` `[N, D]`, `text_tokens` `[N, T, D]`, `text_token_mask` `[N, T]` when the
///   conditions carry text; `camera` `[N, k]` when they carry a camera.
/// The metadata says which sampler and seed produced them. Written atomically.
public enum SampleFile {
    public static func write(samples: Tensor, conditions: Conditions, latents: Tensor? = nil, metadata: [String: String] = [:], to url: URL) throws {
        precondition(samples.shape[0] == conditions.count, "SampleFile: \(samples.shape[0]) samples, \(conditions.count) conditions")
        let n = conditions.count
        var tensors: [String: Tensor] = [
            "samples": samples.detached(),
            "labels": Tensor(shape: [n], storage: conditions.labels.map(Float.init)),
            "null_mask": Tensor(shape: [n], storage: conditions.isNull.map { $0 ? 1 : 0 }),
        ]
        if let text = conditions.text {
            tensors["text_pooled"] = Tensor(shape: [n, text.dimension], storage: text.pooled)
            if text.tokenCount > 0 {
                tensors["text_tokens"] = Tensor(shape: [n, text.tokenCount, text.dimension], storage: text.tokens)
                tensors["text_token_mask"] = Tensor(shape: [n, text.tokenCount], storage: text.tokenMask)
            }
        }
        if let latents { tensors["latents"] = latents.detached() }
        if let camera = conditions.camera { tensors["camera"] = Tensor(shape: [n, camera.dimension], storage: camera.values) }
        try SafeTensors.write(tensors, metadata: metadata.merging(["format": "dipp-samples/1"]) { a, _ in a }, to: url)
    }
}
