import ArgumentParser
import DIPPTensor
import DIPPText
import Foundation

/// `dipp bench clip-vision`: forward + backward of a ViT-B/32-sized CLIP vision tower
/// (openai/clip-vit-base-patch32's shape: 224×224, patch 32, 12 layers of width 768, 12 heads,
/// MLP 3072, quick-GELU, projection 512) with random weights, as a CLIP reward runs it:
/// `loss = Σ f_I(x)` on `x ~ N(0, I)` `[B, 3, 224, 224]`, weights frozen, the gradient to `x`.
/// `Tests/Reference/bench_clip_vision_torch.py` is the same step in PyTorch eager mode.
struct BenchCLIPVision: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clip-vision",
                                                    abstract: "Seconds per forward + backward (to the pixels) of a ViT-B/32 CLIP vision tower.")

    @Option(help: "Threads.") var threads: Int = 2
    @Option(help: "Batch size.") var batchSize: Int = 8
    @Option(help: "Timed steps (after 1 warm-up step).") var steps: Int = 5

    static var vitB32: CLIPConfiguration { CLIPConfiguration() }

    func validate() throws {
        guard batchSize > 0, steps > 0, threads > 0 else { throw ValidationError("--batch-size, --steps and --threads must be positive") }
    }

    func run() throws {
        printMachineHeader()
        Compute.threads = threads
        var rng = RandomStream(seed: 0)
        let c = Self.vitB32
        let weights = SafeTensors.Contents(tensors: CLIPModel.initialWeights(c, rng: &rng))
        let tower = try CLIPVisionTower(configuration: c, weights: weights, source: "random ViT-B/32")
        let projection = try weights.tensor("visual_projection.weight").transposed(0, 1)
        let x = Tensor(shape: [batchSize, 3, c.imageSize, c.imageSize], storage: rng.normal(batchSize * 3 * c.imageSize * c.imageSize), requiresGrad: true)
        let step = { _ = Tensor.gradients(of: tower(x).pooled.matmul(projection).sum(), withRespectTo: [x]) }
        let times = timedSteps(steps, step)
        let flops = GEMMFLOPCounter.measure(step, repeats: 0).flops
        let peak = Compute.measureFMAPeak(threads: threads)
        print(String(format: "dipp clip-vit-b32 batch=%d threads=%d params=%d fwd+bwd s/step: min %.3f median %.3f max %.3f",
                     batchSize, threads, tower.parameterCount, times[0], times[times.count / 2], times[times.count - 1]))
        print(String(format: "  %.1f GFLOP/step in matrix products: %.0f%% of the measured fp32 FMA peak (%.0f GFLOP/s) at the median",
                     flops / 1e9, 100 * flops / 1e9 / times[times.count / 2] / peak, peak))
    }
}
