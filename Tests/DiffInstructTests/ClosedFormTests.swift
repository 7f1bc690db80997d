import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// The optimizer against ALGORITHM.md's closed forms: Gaussian teacher, affine generator.
@Suite struct ClosedFormTests {
    static let mu: [Float] = [1, -2]
    static let s: Float = 0.5

    static func configuration(steps: Int, seed: UInt64 = 1) -> DIPPConfiguration {
        var c = DIPPConfiguration()
        c.steps = steps
        c.batchSize = 512
        c.generatorLearningRate = 0.01
        c.assistantLearningRate = 0.02
        c.emaDecay = 0.99
        c.seed = seed
        return c
    }

    /// Runs DI++ with a Gaussian teacher `N(μ, s²I)`, an affine generator started at
    /// `a = 0, b = 1`, and a learned Gaussian TA initialised from the teacher; returns the EMA
    /// generator's `(a, b)`.
    static func train(_ divergence: any Divergence, reward: (any RewardModel)? = nil, rewardScale: Float = 0,
                      steps: Int = 1500) throws -> (a: [Float], b: Float) {
        var c = configuration(steps: steps)
        c.rewardScale = .constant(rewardScale)
        c.rewardNormalization = .none   // the closed forms are in the reward's own units
        let teacher = GaussianMixtureDenoiser(means: [mu], standardDeviations: [s])
        let generator = AffineGenerator(shift: [[0, 0]], scale: [1])
        let assistant = LearnedGaussianDenoiser(means: [mu], standardDeviations: [s])
        let trainer = DIPPTrainer(configuration: c, teacher: teacher, generator: generator, assistant: .learned(assistant),
                                  divergence: divergence, reward: reward, classCount: 0)
        for _ in 0..<c.steps { try trainer.trainStep() }
        let average = AffineGenerator(shift: [[0, 0]], scale: [1])
        trainer.writeAverage(into: average)
        return (average.shift.storage, average.scale.storage[0])
    }

    @Test(arguments: ["ikl", "sid"])
    func distillationRecoversTheTeacher(_ name: String) throws {
        let divergence: any Divergence = name == "ikl" ? IntegralKL(weighting: .unit) : ScoreIdentity()
        let (a, b) = try Self.train(divergence)
        for j in 0..<2 {
            #expect(Swift.abs(a[j] - Self.mu[j]) <= 0.05 * Swift.abs(Self.mu[j]), "\(name): a = \(a)")
        }
        #expect(Swift.abs(Swift.abs(b) - Self.s) <= 0.05 * Self.s, "\(name): b = \(b)")
    }

    @Test func linearRewardShiftMatchesClosedForm() throws {
        // a − μ = α_rew·k / E_σ[σ²/(s²+σ²)] under unit weighting.
        let k: [Float] = [0.02, -0.01]
        let alpha: Float = 1
        let (a, b) = try Self.train(IntegralKL(weighting: .unit), reward: LinearReward(direction: k), rewardScale: alpha, steps: 2000)
        let c = Self.configuration(steps: 1)
        let s2 = Double(Self.s * Self.s)
        let expectation = c.noise.expectation { sigma in sigma * sigma / (s2 + sigma * sigma) }
        for j in 0..<2 {
            let predicted = Double(alpha * k[j]) / expectation
            let measured = Double(a[j] - Self.mu[j])
            #expect(Swift.abs(measured - predicted) <= 0.05 * Swift.abs(predicted), "shift \(j): measured \(measured), predicted \(predicted)")
        }
        #expect(Swift.abs(Swift.abs(b) - Self.s) <= 0.05 * Self.s, "b = \(b)")
    }
}
