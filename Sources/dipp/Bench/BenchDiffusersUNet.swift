import ArgumentParser
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Foundation

/// `dipp bench diffusers-unet`: forward + backward of a CIFAR-10-sized diffusers `UNet2DModel`
/// (google/ddpm-cifar10-32's configuration, 35.7 M parameters, 32×32) with random weights:
/// `loss = mean(F(x, t)²)` on `x ~ N(0, I)` and integer timesteps in [0, 1000), gradients to
/// every parameter. `Tests/Reference/bench_diffusers_unet_torch.py` is the same step in
/// PyTorch eager mode.
struct BenchDiffusersUNet: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diffusers-unet",
                                                    abstract: "Seconds per forward + backward of a CIFAR-10-sized diffusers UNet2DModel.")

    @Option(help: "Threads.") var threads: Int = 2
    @Option(help: "Batch size.") var batchSize: Int = 8
    @Option(help: "Timed steps (after 1 warm-up step).") var steps: Int = 3
    @Option(help: "Precision of the convolutions and matrix products: fp32 or bf16.") var precision: String = "fp32"

    /// google/ddpm-cifar10-32's `UNet2DModel` configuration.
    static var cifar10: UNet2DConfiguration {
        var c = UNet2DConfiguration()
        c.sampleSize = 32
        (c.inChannels, c.outChannels) = (3, 3)
        c.blockOutChannels = [128, 256, 256, 256]
        c.layersPerBlock = 2
        c.downBlockTypes = ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"]
        c.upBlockTypes = ["UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"]
        (c.normNumGroups, c.normEps, c.attentionHeadDim) = (32, 1e-6, nil)
        (c.flipSinToCos, c.freqShift, c.downsamplePadding) = (false, 1, 0)
        return c
    }

    func validate() throws {
        guard batchSize > 0, steps > 0, threads > 0 else { throw ValidationError("--batch-size, --steps and --threads must be positive") }
    }

    func run() throws {
        printMachineHeader()
        guard let p = try precisionList(precision).first else { throw ValidationError("--precision fp32 or bf16") }
        Compute.threads = threads
        Compute.precision = p
        var rng = RandomStream(seed: 0)
        let network = UNet2DNetwork(Self.cifar10, classCount: 0, rng: &rng)
        let params = network.parameters
        let n = batchSize
        let x = Tensor.randomNormal([n, 3, 32, 32], using: &rng)
        let timesteps = Tensor(shape: [n], storage: (0..<n).map { _ in Float(rng.integer(below: 1000)) })
        let conditions = Conditions(labels: [Int](repeating: Conditions.nullLabel, count: n))
        let step = {
            let out = network(x, noiseLevel: timesteps, conditions: conditions)
            _ = Tensor.gradients(of: out.square().mean(), withRespectTo: params)
        }
        let times = timedSteps(steps, step)
        print(String(format: "dipp unet2d-cifar10 batch=%d threads=%d params=%d %@ fwd+bwd s/step: min %.3f median %.3f max %.3f",
                     n, threads, network.parameterCount, CPU.current.label(p), times[0], times[times.count / 2], times[times.count - 1]))
    }
}
