import ArgumentParser
import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation

/// `dipp bench di-step`: the DI++ step rate on workload W1, and the teacher's pre-training step
/// rate on the same network, on each thread count.
///
/// W1: the 2-D 8-mode mixture; EDM-preconditioned MLP denoisers (3 hidden layers of 256, SiLU,
/// 32 noise features, 16-d class embedding + null class, σ_d = 2.84) as teacher, TA and
/// teacher-initialised one-step generator; batch 1024; CFG 4.5 on the teacher (one batched 2N
/// evaluation); one TA update + one generator update (IKL, unit weight) per step; Adam β = (0, 0.999).
/// `Tests/Reference/bench_di_step_torch.py` is the same workload in PyTorch.
struct BenchDIStep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "di-step", abstract: "DI++ steps per second on workload W1 (and teacher pre-training steps per second).")

    @Option(help: "Thread counts, comma-separated.") var threads = PositiveIntegers(argument: "1,2")!
    @Option(help: "Timed seconds per measurement (after 5 warm-up steps).") var seconds: Double = 5
    @Option(help: "Matrix-product precisions, comma-separated: fp32, bf16 (operands rounded to bfloat16, fp32 accumulation).")
    var precision: String = "fp32"
    @Option(help: "Batch size.") var batchSize: Int = 1024
    @Option(help: "Instead: the DI++ step's cost at each of these batch sizes (comma-separated, first thread count), e.g. 128,256,512,1024,2048,4096.")
    var batches: String?
    @Option(help: "Instead: run this many DI++ steps (first thread count) and report the resident set every 1000 steps.")
    var memorySteps: Int?

    func run() throws {
        let counts = threads.values
        printMachineHeader()
        let model = DenoiserConfiguration(architecture: "mlp", sampleShape: [2], classCount: 8, sigmaData: 2.84,
                                          hidden: [256, 256, 256], embeddingDimension: 16, noiseFeatures: 32)
        var rng = RandomStream(seed: 0)
        let teacher = try Components.standard().denoiser(model, rng: &rng)
        if let batches {
            let sizes = batches.split(separator: ",").compactMap { Int($0) }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("--batches: e.g. 128,256,512") }
            Compute.threads = counts[0]
            print("W1 DI++ step by batch size, \(counts[0]) thread(s):")
            print("| batch | steps/s | ms per step | µs per sample |\n|---|---|---|---|")
            for n in sizes {
                let rate = try measure { try diStep(teacher: teacher, batch: n) }
                print(String(format: "| %d | %.2f | %.2f | %.2f |", n, rate, 1000 / rate, 1e6 / (rate * Double(n))))
            }
            return
        }
        if let memorySteps {
            Compute.threads = counts[0]
            let step = try diStep(teacher: teacher, batch: batchSize)
            print("W1 DI++ steps at batch \(batchSize), \(counts[0]) thread(s): resident set")
            var atThousand: Double?
            for i in 1...max(memorySteps, 1) {
                try step()
                if i % 1000 == 0 {
                    let mib = Self.residentMiB()
                    if i == 1000 { atThousand = mib }
                    print(String(format: "step %6d: %.1f MiB", i, mib) + (atThousand.map { String(format: "  (%.3f× step 1000)", mib / $0) } ?? ""))
                }
            }
            return
        }
        let precisions = try precisionList(precision)
        print("W1: 2-D 8-mode GMM, MLP denoisers 3x256 SiLU (\(teacher.parameterCount) parameters each), batch \(batchSize), CFG 4.5, 1 TA + 1 generator update per step")
        let diFLOPs = try GEMMFLOPCounter.measure(try diStep(teacher: teacher, batch: batchSize), repeats: 0).flops
        let preFLOPs = try GEMMFLOPCounter.measure(try pretrainStep(model: model), repeats: 0).flops
        print(String(format: "GEMM work per step: DI++ %.3f GFLOP, pre-training %.3f GFLOP (counted)", diFLOPs / 1e9, preFLOPs / 1e9))
        for t in counts {
            Compute.threads = t
            let peak = Compute.measureFMAPeak(threads: t)
            for p in precisions {
                Compute.precision = p
                let di = try measure { try diStep(teacher: teacher, batch: batchSize) }
                let pre = try measure { try pretrainStep(model: model) }
                let share = try GEMMFLOPCounter.measure(try diStep(teacher: teacher, batch: batchSize)).gemmShare
                print(String(format: "threads %d %@: DI++ step %.1f steps/s (%.2f ms, %.0f%% of peak, %.0f%% of it in GEMMs)   teacher pre-training %.1f steps/s (%.2f ms, %.0f%% of peak)",
                             t, CPU.current.label(p), di, 1000 / di, 100 * di * diFLOPs / 1e9 / peak, 100 * share, pre, 1000 / pre, 100 * pre * preFLOPs / 1e9 / peak))
            }
            print(String(format: "  (peak: the measured fp32 FMA peak of %d thread(s), %.0f GFLOP/s; %% of peak = GEMM FLOPs per step × steps/s ÷ peak)", t, peak))
            Compute.precision = .fp32
        }
    }

    /// Returns a closure performing one DI++ step.
    func diStep(teacher: EDMDenoiser, batch: Int) throws -> () throws -> Void {
        var c = DIPPConfiguration()
        c.batchSize = batch
        c.teacherGuidance = 4.5
        c.noise = .edm
        c.generatorLearningRate = 1e-5
        let trainer = DIPPTrainer(configuration: c, teacher: teacher, generator: OneStepGenerator(teacher: teacher),
                                  assistant: .learned(teacher.copy()), divergence: IntegralKL(), reward: nil,
                                  conditions: UniformLabels(classCount: 8), assistantObjective: EDMAssistantObjective(sigmaData: 2.84))
        return { try trainer.trainStep() }
    }

    /// Returns a closure performing one EDM pre-training step on fresh mixture data.
    func pretrainStep(model: DenoiserConfiguration) throws -> () throws -> Void {
        var rng = RandomStream(seed: 1)
        let network = try Components.standard().denoiser(model, rng: &rng)
        var adam = Adam(.init(learningRate: 2e-3))
        let loss = EDMLoss()
        let n = batchSize
        return {
            let data = GaussianMixture2D().sample(n, rng: &rng)
            let x0 = Tensor(shape: [n, 2], storage: data.values)
            let l = loss(network, x0, conditions: Conditions(labels: data.labels), sigmaData: 2.84, rng: &rng)
            adam.update(network.parameters, along: Tensor.gradients(of: l, withRespectTo: network.parameters))
        }
    }

    /// The process's resident set (`/proc/self/statm`), in MiB.
    static func residentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return .nan }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// Steps per second of `make()`'s closure: 5 warm-up steps, then at least `seconds`.
    func measure(_ make: () throws -> () throws -> Void) throws -> Double {
        let step = try make()
        for _ in 0..<5 { try step() }
        let start = DispatchTime.now().uptimeNanoseconds
        var count = 0
        while count < 10 || Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < seconds {
            try step()
            count += 1
        }
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    }
}
