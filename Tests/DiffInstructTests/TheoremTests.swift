import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// Sign conventions and Theorem 3.3 (CFG is an implicit reward), with analytic models.
@Suite struct TheoremTests {
    /// One generator step moves samples toward the teacher's prediction and away from the TA's.
    @Test(arguments: ["ikl", "sid"])
    func generatorStepMovesTowardTeacherAwayFromAssistant(_ name: String) throws {
        var c = DIPPConfiguration()
        c.batchSize = 256
        c.generatorLearningRate = 0.05
        c.assistantSteps = 0
        // Teacher at +2, TA (fixed) at −2, generator at 0: the shift must increase.
        let teacher = GaussianMixtureDenoiser(means: [[2]], standardDeviations: [1])
        let assistant = GaussianMixtureDenoiser(means: [[-2]], standardDeviations: [1])
        let generator = AffineGenerator(shift: [[0]], scale: [1])
        let divergence: any Divergence = name == "ikl" ? IntegralKL() : ScoreIdentity()
        let trainer = DIPPTrainer(configuration: c, teacher: teacher, generator: generator, assistant: .exact { _ in assistant },
                                  divergence: divergence, classCount: 0)
        try trainer.trainStep()
        #expect(generator.shift.storage[0] > 0.04, "\(name): shift after one step \(generator.shift.storage[0])")
        // Swapped roles: the shift must decrease.
        let back = AffineGenerator(shift: [[0]], scale: [1])
        let swapped = DIPPTrainer(configuration: c, teacher: assistant, generator: back, assistant: .exact { _ in teacher },
                                  divergence: divergence, classCount: 0)
        try swapped.trainStep()
        #expect(back.shift.storage[0] < -0.04, "\(name): shift after one swapped step \(back.shift.storage[0])")
    }

    /// Theorem 3.3's implicit reward `r(x₀, c) = σ²·[log p_σ(x_t | c) − log p_σ(x_t)]` with
    /// `x_t = x₀ + σε`, `σ` from the same distribution as the divergence's and unit weight
    /// `w = σ²` (matching IKL's `y = D_ψ − D_ref = σ²(s_ψ − s_ref)`). Its gradient is
    /// `D_ref(x_t | c) − D_ref(x_t | ∅)`.
    final class ImplicitCFGReward: RewardModel {
        let teacher: GaussianMixtureDenoiser
        let noise: NoiseDistribution
        var rng: RandomStream

        init(teacher: GaussianMixtureDenoiser, noise: NoiseDistribution, seed: UInt64) {
            self.teacher = teacher
            self.noise = noise
            rng = RandomStream(seed: seed, stream: 0x3_3)
        }

        var name: String { "implicit-cfg" }

        func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
            let n = x.shape[0]
            let sigmas = noise.sample(n, rng: &rng)
            let sigma = Tensor(shape: [n], storage: sigmas)
            let xt = x + Tensor.randomNormal(x.shape, using: &rng) * Noise.perSample(sigma, rank: x.rank)
            let ratio = teacher.logDensity(xt, sigma: sigma, conditions: conditions)
                - teacher.logDensity(xt, sigma: sigma, conditions: conditions.nulled)
            return ratio * sigma.square()
        }
    }

    static func teacher() -> GaussianMixtureDenoiser { GaussianMixtureDenoiser(means: [[-1, 0], [1, 0.5]], standardDeviations: [0.6, 0.4]) }

    static func distill(guidance: Float, reward: (any RewardModel)?, rewardScale: Float) throws -> [Float] {
        var c = DIPPConfiguration()
        c.steps = 2500
        c.batchSize = 512
        c.generatorLearningRate = 0.005
        c.emaDecay = 0.995
        c.teacherGuidance = .constant(guidance)
        c.rewardScale = .constant(rewardScale)
        c.rewardNormalization = .none   // Theorem 3.3 weighs the implicit reward as written
        c.noise = .logNormal(mean: -1, std: 1, minimum: 0.002, maximum: 80)
        let generator = AffineGenerator(shift: [[-1, 0], [1, 0.5]], scale: [0.6, 0.4])
        let trainer = DIPPTrainer(configuration: c, teacher: teacher(), generator: generator,
                                  assistant: .exact { ($0 as! AffineGenerator).exactAssistant() },
                                  divergence: IntegralKL(weighting: .unit), reward: reward, classCount: 2)
        for _ in 0..<c.steps { try trainer.trainStep() }
        let average = AffineGenerator(shift: [[0, 0], [0, 0]], scale: [1, 1])
        trainer.writeAverage(into: average)
        return average.shift.storage + average.scale.storage.map(Swift.abs)
    }

    /// Distilling with CFG scale ω equals distilling without guidance plus the implicit reward
    /// at `α_rew = ω − 1` (β = 1/(ω − 1)).
    @Test func classifierFreeGuidanceIsAnImplicitReward() throws {
        let omega: Float = 3
        let guided = try Self.distill(guidance: omega, reward: nil, rewardScale: 0)
        let noise = NoiseDistribution.logNormal(mean: -1, std: 1, minimum: 0.002, maximum: 80)
        let rewarded = try Self.distill(guidance: 1, reward: ImplicitCFGReward(teacher: Self.teacher(), noise: noise, seed: 5),
                                        rewardScale: omega - 1)
        let plain = try Self.distill(guidance: 1, reward: nil, rewardScale: 0)
        let gap = zip(guided, rewarded).map { Swift.abs($0 - $1) }.max()!
        let effect = zip(guided, plain).map { Swift.abs($0 - $1) }.max()!
        #expect(gap < 0.03, "guided \(guided) vs rewarded \(rewarded)")
        #expect(effect > 5 * gap, "CFG must change the generator (effect \(effect), gap \(gap))")
    }

    /// Theorem 3.3 on one batch, exactly: with the same z, c, σ and ε, the IKL (unit weighting)
    /// gradient at CFG scale ω equals the unguided gradient minus (ω − 1) times the gradient of
    /// the mean implicit reward `σ²[log p_σ(x_t | c) − log p_σ(x_t)]`, because
    /// `y_ω = y₁ − (ω − 1)(D(x_t | c) − D(x_t | ∅))` and `∇_{x_t}` of the reward is that difference.
    /// It holds for unit weighting only: `l2` and `dmd` rescale each sample by a factor that
    /// depends on ω.
    @Test func guidanceIsAnImplicitRewardOnOneBatchExactly() {
        let omega: Float = 3, n = 64
        let teacher = Self.teacher()
        let generator = AffineGenerator(shift: [[-0.5, 0.2], [0.8, 0.1]], scale: [0.7, 0.5])
        var rng = RandomStream(seed: 12)
        let conditions = Conditions(labels: (0..<n).map { $0 % 2 })
        let z = generator.sampleLatents(count: n, rng: &rng)
        let sigma = Tensor(shape: [n], storage: NoiseDistribution.logNormal(mean: -1, std: 1, minimum: 0.002, maximum: 80).sample(n, rng: &rng))
        let epsilon = Tensor.randomNormal([n, 2], using: &rng)
        func divergenceGradient(_ scale: Float) -> [Float] {
            let x0 = generator(z, conditions: conditions)
            let term = IntegralKL(weighting: .unit).generatorLoss(DivergenceInputs(
                x0: x0, conditions: conditions, sigma: sigma, noise: epsilon, teacher: teacher,
                teacherGuidance: ClassifierFreeGuidance(scale: scale), assistant: generator.exactAssistant(),
                assistantGuidance: ClassifierFreeGuidance()))
            return Tensor.gradients(of: term.loss, withRespectTo: generator.parameters).flatMap(\.storage)
        }
        let x0 = generator(z, conditions: conditions)
        let xt = x0 + epsilon * Noise.perSample(sigma, rank: 2)
        let reward = ((teacher.logDensity(xt, sigma: sigma, conditions: conditions)
            - teacher.logDensity(xt, sigma: sigma, conditions: conditions.nulled)) * sigma.square()).mean()
        let rewardGradient = Tensor.gradients(of: reward, withRespectTo: generator.parameters).flatMap(\.storage)
        let guided = divergenceGradient(omega), plain = divergenceGradient(1)
        let predicted = zip(plain, rewardGradient).map { $0 - (omega - 1) * $1 }
        let scale = guided.map(Swift.abs).max()!
        let worst = zip(guided, predicted).map { Swift.abs($0 - $1) }.max()!
        #expect(worst <= 1e-4 * scale, "guided \(guided) vs predicted \(predicted)")
        #expect(zip(guided, plain).map { Swift.abs($0 - $1) }.max()! > 0.1 * scale, "guidance must change the gradient")
    }
}
