import ArgumentParser
import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation

/// `dipp bench unet-step`: seconds per teacher pre-training step of the Fashion-MNIST U-Net —
/// the step of `dipp pretrain --data fashion-mnist` (`[1, 28, 28]`, widths 32/64/64, 10 classes;
/// EDM loss, backward, gradient-norm check, Adam, EMA) — on random images in [−1, 1] (the cost
/// does not depend on the values).
/// `Tests/Reference/bench_unet_torch.py` is the same network and step in PyTorch.
struct BenchUNetStep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unet-step", abstract: "Seconds per pre-training step of the Fashion-MNIST U-Net teacher.")

    @Option(help: "Thread counts, comma-separated.") var threads = PositiveIntegers(argument: "2")!
    @Option(help: "Batch size.") var batchSize: Int = 256
    @Option(help: "Timed steps (after 2 warm-up steps).") var steps: Int = 5
    @Option(help: "Precisions of the convolutions and matrix products, comma-separated: fp32, bf16.") var precision: String = "fp32"
    @Option(help: "fp32 convolution algorithms, comma-separated: winograd, direct (bf16 is always direct).") var convolution: String = "winograd"

    func validate() throws {
        guard batchSize > 0, steps > 0 else { throw ValidationError("--batch-size and --steps must be positive") }
    }

    func run() throws {
        let counts = threads.values
        printMachineHeader()
        let model = DenoiserConfiguration(architecture: "unet", sampleShape: [1, 28, 28], classCount: 10, sigmaData: 0.5, embeddingDimension: 16,
                                          noiseFeatures: 32, channels: [32, 64, 64])
        var rng = RandomStream(seed: 0)
        let network = try Components.standard().denoiser(model, rng: &rng)
        var adam = Adam(.init(learningRate: 2e-3))
        let params = network.parameters
        var ema = ExponentialMovingAverage(params, schedule: .halfLife(images: 50_000, rampUp: 0.05))
        var seen = 0
        let loss = EDMLoss()
        let n = batchSize
        let x0 = Tensor(shape: [n, 1, 28, 28], storage: rng.uniform(n * 784).map { 2 * $0 - 1 })
        let labels = Conditions(labels: (0..<n).map { $0 % 10 })
        print("Fashion-MNIST U-Net (\(network.parameterCount) parameters), batch \(n): EDM loss, backward, Adam")
        let algorithms = try convolution.split(separator: ",").map { name in
            guard let a = Compute.ConvolutionAlgorithm(rawValue: String(name)) else { throw ValidationError("--convolution: winograd, direct or winograd,direct") }
            return a
        }
        // bf16 convolutions are direct whatever the setting: run them once.
        let runs = try precisionList(precision).flatMap { p in p == .bf16 ? [(p, Compute.ConvolutionAlgorithm.direct)] : algorithms.map { (p, $0) } }
        for t in counts {
            let peak = Compute.measureFMAPeak(threads: t)
            for (p, algorithm) in runs {
                Compute.threads = t
                Compute.precision = p
                Compute.convolutionAlgorithm = algorithm
                let step = {
                    let l = loss(network, x0, conditions: labels, sigmaData: 0.5, rng: &rng)
                    seen += n
                    _ = try applyGradientStep(Tensor.gradients(of: l, withRespectTo: params), to: params, optimizer: &adam, averaging: &ema,
                                              batchSize: n, imagesSeen: Double(seen), clip: 0, what: "the U-Net's gradient", at: "bench")
                }
                for _ in 0..<2 { try step() }
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<steps { try step() }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(steps)
                // One more step, counted: convolution and GEMM arithmetic, time inside the convolutions.
                ConvolutionCounter.reset()
                ConvolutionCounter.isCounting = true
                let counted = DispatchTime.now().uptimeNanoseconds
                let gemmFLOPs = try GEMMFLOPCounter.measure(step, repeats: 0).flops
                let countedSeconds = Double(DispatchTime.now().uptimeNanoseconds - counted) * 1e-9
                ConvolutionCounter.isCounting = false
                let flops = ConvolutionCounter.flops + gemmFLOPs
                print(String(format: "threads %d %@%@: %.3f s/step (%.1f images/s), %.1f GFLOP/step (%.1f%% in convolutions), %.0f%% of the fp32 peak, %.0f%% of the step inside convolutions",
                             t, CPU.current.label(p),
                             p == .fp32 ? " " + algorithm.rawValue + (algorithm == .winograd && !CPU.current.winograd ? " (direct here)" : "") : "", seconds, Double(n) / seconds, flops / 1e9, 100 * ConvolutionCounter.flops / flops,
                             100 * flops / 1e9 / seconds / peak, 100 * ConvolutionCounter.seconds / countedSeconds))
            }
            print(String(format: "  (peak: the measured fp32 FMA peak of %d thread(s), %.0f GFLOP/s; %% of peak = FLOPs per step ÷ seconds per step ÷ peak; FLOPs are the direct convolution's, so Winograd can exceed 100%%)", t, peak))
        }
        Compute.precision = .fp32
    }
}
