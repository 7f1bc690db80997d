import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// The trainer's contract: determinism, exact resume, the NaN guard, generators whose latent
/// size differs from the data, and logs TensorBoard can read.
@Suite(.serialized) struct TrainerTests {
    static func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("dipp-\(name)-\(UUID())")
    }

    /// A small learned setup: Gaussian teacher, MLP generator (latent 3 → data 2), learned Gaussian TA.
    static func makeTrainer(seed: UInt64 = 4, reward: (any RewardModel)? = nil) -> DIPPTrainer {
        var c = DIPPConfiguration()
        c.batchSize = 64
        c.generatorLearningRate = 1e-3
        c.assistantLearningRate = 1e-2
        c.rewardScale = reward == nil ? 0 : 1
        c.rewardNormalization = .none
        c.seed = seed
        var rng = RandomStream(seed: 1)
        let generator = MLPGenerator(.init(latentDimension: 3, hidden: [32, 32], embeddingDimension: 4), sampleShape: [2], classCount: 1, rng: &rng)
        return DIPPTrainer(configuration: c, teacher: GaussianMixtureDenoiser(means: [[1, -1]], standardDeviations: [0.5]),
                           generator: generator, assistant: .learned(LearnedGaussianDenoiser(means: [[1, -1]], standardDeviations: [0.5])),
                           divergence: IntegralKL(), reward: reward, classCount: 1)
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let straight = Self.makeTrainer()
        for _ in 0..<20 { try straight.trainStep() }
        let folder = Self.folder("resume")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = CheckpointStore(folder: folder)
        let first = Self.makeTrainer()
        for _ in 0..<12 { try first.trainStep() }
        try first.save(to: store)
        for _ in 0..<3 { try first.trainStep() }     // work after the checkpoint is lost ("interrupted")
        let second = Self.makeTrainer()
        #expect(try second.resume(from: store) == 12)
        while second.step < 20 { try second.trainStep() }
        #expect(zip(straight.generator.parameters, second.generator.parameters).allSatisfy { $0.storage == $1.storage })
        #expect(straight.ema.averages == second.ema.averages)
        #expect(straight.rng == second.rng)
    }

    /// A learning-rate schedule reaches Adam at every step: after the schedule's drop to 0 the
    /// generator stops moving, and before it the run equals a constant-rate run.
    @Test func learningRateSchedulesApplyPerStep() throws {
        let scheduled = Self.makeTrainer(), constant = Self.makeTrainer()
        var c = scheduled.configuration
        c.generatorLearningRate = .piecewise(values: [1e-3, 0], boundaries: [3], warmup: 0)
        let trainer = DIPPTrainer(configuration: c, teacher: scheduled.teacher, generator: scheduled.generator, assistant: scheduled.assistant,
                                  divergence: scheduled.divergence, conditions: UniformLabels(classCount: 1))
        for _ in 0..<3 { try trainer.trainStep(); try constant.trainStep() }
        #expect(trainer.generator.parameters[0].storage == constant.generator.parameters[0].storage)
        let frozen = trainer.generator.parameters.map(\.storage)
        for _ in 0..<3 { try trainer.trainStep() }
        #expect(trainer.generator.parameters.map(\.storage) == frozen)
    }

    @Test func sameSeedSameRunDifferentSeedDifferentRun() throws {
        let a = Self.makeTrainer(), b = Self.makeTrainer(), c = Self.makeTrainer(seed: 5)
        for _ in 0..<5 { try a.trainStep(); try b.trainStep(); try c.trainStep() }
        #expect(a.generator.parameters[0].storage == b.generator.parameters[0].storage)
        #expect(a.generator.parameters[0].storage != c.generator.parameters[0].storage)
    }

    /// A reward that turns NaN: the step fails, names the term, and updates nothing.
    struct BrokenReward: RewardModel {
        var name: String { "broken" }
        func reward(_ x: Tensor, conditions: Conditions) -> Tensor { x.sum(axis: 1) * Float.nan }
    }

    @Test func nonFiniteRewardIsReportedWithStepAndTerm() throws {
        let trainer = Self.makeTrainer(reward: BrokenReward())
        let before = trainer.generator.parameters.map(\.storage)
        do {
            try trainer.trainStep()
            Issue.record("a NaN reward was accepted")
        } catch let error as NonFiniteValueError {
            #expect(error.location == "DI++ step 1" && error.what.contains("reward") && error.what.contains("broken"))
        }
        #expect(trainer.generator.parameters.map(\.storage) == before)
    }

    /// The exact denoiser of `N(m, C)` in 2-D: `D(x; σ) = m + C(C + σ²I)⁻¹(x − m)`.
    struct FullGaussianDenoiser: ScoreModel {
        let mean: [Float], covariance: [Float]   // 2, 2x2 row-major
        var sampleShape: [Int] { [2] }
        func denoise(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
            var out = [Float](repeating: 0, count: x.count)
            for i in 0..<x.shape[0] {
                let s2 = sigma.storage[i] * sigma.storage[i]
                let (a, b, c, d) = (covariance[0] + s2, covariance[1], covariance[2], covariance[3] + s2)
                let det = a * d - b * c
                let inv = [d / det, -b / det, -c / det, a / det]
                let r = [x.storage[2 * i] - mean[0], x.storage[2 * i + 1] - mean[1]]
                let t = [inv[0] * r[0] + inv[1] * r[1], inv[2] * r[0] + inv[3] * r[1]]
                out[2 * i] = mean[0] + covariance[0] * t[0] + covariance[1] * t[1]
                out[2 * i + 1] = mean[1] + covariance[2] * t[0] + covariance[3] * t[1]
            }
            return Tensor(shape: x.shape, storage: out)
        }
    }

    /// A linear `MLPGenerator` (no hidden layer) maps a 3-d latent to 2-d data: `x = Wᵀ[z, e] + b`
    /// is `N(m, W_zᵀW_z)`, whose exact TA is ``FullGaussianDenoiser``. Distilled from the
    /// Gaussian teacher, its mean and per-coordinate std must reach the teacher's — a generator
    /// whose latent differs from the data, trained by the same optimizer. Training draws label 0
    /// (one class), so the exact TA and the check use label 0's embedding row, not the null row.
    @Test func mlpGeneratorWithLargerLatentMatchesTheGaussianTeacher() throws {
        var c = DIPPConfiguration()
        c.batchSize = 256
        c.generatorLearningRate = 3e-3
        c.emaDecay = 0.99
        var rng = RandomStream(seed: 1)
        let generator = MLPGenerator(.init(latentDimension: 3, hidden: [], embeddingDimension: 4), sampleShape: [2], classCount: 1, rng: &rng)
        let exact: (any Generator) -> any ScoreModel = { g in
            let mlp = (g as! MLPGenerator)
            let w = mlp.mlp.layers[0].weight.storage, bias = mlp.mlp.layers[0].bias!.storage
            let e = mlp.embedding.table.storage.prefix(4)   // the row of label 0, the label trained
            var mean = bias
            for (k, v) in e.enumerated() { mean[0] += v * w[(3 + k) * 2]; mean[1] += v * w[(3 + k) * 2 + 1] }
            var cov = [Float](repeating: 0, count: 4)
            for r in 0..<3 { for i in 0..<2 { for j in 0..<2 { cov[i * 2 + j] += w[r * 2 + i] * w[r * 2 + j] } } }
            return FullGaussianDenoiser(mean: mean, covariance: cov)
        }
        let trainer = DIPPTrainer(configuration: c, teacher: GaussianMixtureDenoiser(means: [[1, -1]], standardDeviations: [0.5]),
                                  generator: generator, assistant: .exact(exact), divergence: IntegralKL(), classCount: 1)
        for _ in 0..<2000 { try trainer.trainStep() }
        trainer.writeAverage(into: generator)
        var sampleRNG = RandomStream(seed: 3)
        let x = generator.sample(conditions: Conditions(labels: [Int](repeating: 0, count: 4000)), rng: &sampleRNG).storage
        for j in 0..<2 {
            let v = stride(from: j, to: x.count, by: 2).map { Double(x[$0]) }
            let (mean, std) = (Statistics.mean(v), Statistics.sampleStandardDeviation(v))
            #expect(Swift.abs(mean - [1, -1][j]) < 0.05, "coordinate \(j): mean \(mean)")
            #expect(Swift.abs(std - 0.5) < 0.025, "coordinate \(j): std \(std)")
        }
    }

    /// Python must be there in CI (`.ci/run` installs tensorboard); elsewhere the test is skipped
    /// when `tensorboard` is not importable.
    static var tensorboardAvailable: Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import tensorboard"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// TensorBoard's own reader on an event folder: `tag step:value …` per scalar series.
    static func readTensorBoard(_ folder: URL) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/read_tensorboard.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, folder.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(output)")
        return output
    }

    @Test(.enabled(if: tensorboardAvailable, "python3 with tensorboard"))
    func tensorboardReadsTheEventFiles() throws {
        let folder = Self.folder("tb")
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = try TrainingLog(folder: folder, resumedStep: 0)
        for step in 1...5 { try log.record(step: step, metrics: [("loss_divergence", Float(step) * 0.5), ("reward_mean", -Float(step))]) }
        try log.flush()
        let output = try Self.readTensorBoard(folder.appendingPathComponent("tensorboard"))
        #expect(output.contains("loss_divergence 1:0.5 2:1 3:1.5 4:2 5:2.5"), "\(output)")
        #expect(output.contains("reward_mean 1:-1 2:-2 3:-3 4:-4 5:-5"), "\(output)")
        let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5 && lines[0] == #"{"step":1,"loss_divergence":0.5,"reward_mean":-1}"#, "\(lines)")
    }
}
