import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// SDS's closed form, SiD's own σ schedule, the distillation EMA and the refused configurations
/// (issue 12's scientific fixes).
struct DivergenceDefaultsTests {
    /// SDS on a Gaussian teacher `N(μ, s²I)` with the generator `a + b·z`: per dimension
    /// `∂L/∂a = (a − μ)·κ` and `∂L/∂b = d·b·κ`, `κ = E_σ[σ²/(s² + σ²)]` — the spread shrinks even
    /// when the generator equals the teacher (mode collapse), unlike IKL and SiD.
    @Test func sdsGradientMatchesClosedForm() throws {
        let (mu, s): ([Float], Float) = ([0.5, -1], 0.8)
        let (a, b): ([Float], Float) = ([0.9, -1.3], 0.8)
        let noise = NoiseDistribution.logNormal(mean: -1, std: 1, minimum: 0.002, maximum: 80)
        let kappa = noise.expectation { $0 * $0 / (Double(s * s) + $0 * $0) }
        let generator = AffineGenerator(shift: [a], scale: [b])
        let batch = 200_000
        var rng = RandomStream(seed: 11)
        let conditions = Conditions(labels: [Int](repeating: 0, count: batch))
        let x0 = generator(generator.sampleLatents(count: batch, rng: &rng), conditions: conditions)
        let sigma = Tensor(shape: [batch], storage: noise.sample(batch, rng: &rng))
        let term = ScoreDistillationSampling().generatorLoss(DivergenceInputs(
            x0: x0, conditions: conditions, sigma: sigma, noise: Tensor.randomNormal(x0.shape, using: &rng),
            teacher: GaussianMixtureDenoiser(means: [mu], standardDeviations: [s]), teacherGuidance: ClassifierFreeGuidance(),
            assistant: generator.exactAssistant(), assistantGuidance: ClassifierFreeGuidance()))
        let g = Tensor.gradients(of: term.loss, withRespectTo: generator.parameters)
        for j in 0..<2 {
            let expected = Double(a[j] - mu[j]) * kappa
            #expect(abs(Double(g[0].storage[j]) - expected) < 0.03 * abs(expected) + 2e-3, "∂L/∂a_\(j) = \(g[0].storage[j]), closed form \(expected)")
        }
        let expectedScale = 2 * Double(b) * kappa
        #expect(abs(Double(g[1].storage[0]) - expectedScale) < 0.03 * expectedScale, "∂L/∂b = \(g[1].storage[0]), closed form \(expectedScale)")
        // Not stationary at the teacher (∂L/∂b = 2bκ ≠ 0 above): without a TA the conformance
        // check looks for the stationary point at the teacher's mode, which SDS has.
        let results = Conformance.checkDivergence(ScoreDistillationSampling())
        #expect(results.count == 3 && results.allPassed && results[0].detail.contains("mode-seeking"), "\(results)")
    }

    /// SDS reads no TA: the trainer leaves it untouched and logs no TA loss.
    @Test func sdsSkipsTheAssistant() throws {
        let teacher = GaussianMixtureDenoiser(means: [[0.5, -1]], standardDeviations: [0.8])
        let assistant = LearnedGaussianDenoiser(means: [[0, 0]], standardDeviations: [1])
        let before = assistant.parameters.map(\.storage)
        var c = DIPPConfiguration()
        c.batchSize = 64
        c.steps = 3
        let trainer = DIPPTrainer(configuration: c, teacher: teacher, generator: AffineGenerator(shift: [[0, 0]], scale: [1]),
                                  assistant: .learned(assistant), divergence: ScoreDistillationSampling(), classCount: 1)
        let metrics = try trainer.trainStep()
        #expect(metrics["loss_assistant"] == nil && metrics["loss_divergence"] != nil)
        #expect(assistant.parameters.map(\.storage) == before)
    }

    /// SiD draws σ from SiD's capped Karras ramp by default, for both updates; IKL keeps DI++'s.
    @Test func sidUsesItsOwnNoiseSchedule() throws {
        #expect(ScoreIdentity().noise == .sid && IntegralKL().noise == nil)
        var init_ = RandomStream(seed: 1)
        let context = RunContext(teacher: try! Components.standard().denoiser(DenoiserConfiguration(), rng: &init_), train: GaussianMixture2D().sample(64, rng: &init_),
                                 seed: 0, classifierFolder: FileManager.default.temporaryDirectory)
        let sid = try Components.standard().divergences.make("sid", context: context, path: "divergence")
        #expect(sid.noise == .sid)
        let ikl = try Components.standard().divergences.make("ikl", context: context, path: "divergence")
        let trainer = { (d: any Divergence) in
            DIPPTrainer(configuration: DIPPConfiguration(), teacher: GaussianMixtureDenoiser(means: [[0, 0]], standardDeviations: [1]),
                        generator: AffineGenerator(shift: [[0, 0]], scale: [1]), assistant: .exact { ($0 as! AffineGenerator).exactAssistant() },
                        divergence: d, classCount: 1)
        }
        #expect(trainer(sid).noise == .sid && trainer(ikl).noise == .diPlusPlus)
        // σ ≤ 24.4 (t_max = 800) and ≥ 0.002 over many draws.
        var rng = RandomStream(seed: 4)
        let draws = NoiseDistribution.sid.sample(10_000, rng: &rng)
        #expect(draws.max()! < 24.5 && draws.max()! > 20 && draws.min()! >= 0.002)
        // Setting algorithm.noise with SiD is refused rather than ignored.
        var c = RunConfiguration()
        c.divergence = "sid"
        c.algorithm.noise = .edm
        #expect(throws: ConfigurationError.self) { try AlignmentRun.checkDivergenceNoise(sid, configuration: c) }
        try AlignmentRun.checkDivergenceNoise(ikl, configuration: c)   // IKL has no σ of its own: it uses algorithm.noise
        c.algorithm.noise = .diPlusPlus
        try AlignmentRun.checkDivergenceNoise(sid, configuration: c)
    }

    /// `dipp distill` uses EDM's adaptive EMA (DI++ §A.2), `dipp align` the fixed 0.95.
    @Test func distillationUsesTheAdaptiveEMA() {
        let distill = RunConfiguration.distillDefaults.algorithm.emaSchedule
        for step in [10, 1000, 100_000] {
            let images = Double(step * 256)
            let expected = Float(pow(0.5, 256 / min(50_000, 0.05 * images)))
            #expect(abs(distill.decay(batchSize: 256, imagesSeen: images) - expected) < 1e-6)
        }
        #expect(RunConfiguration.alignDefaults.algorithm.emaSchedule == .fixed(decay: 0.95))
    }

    /// α_cfg ≠ 1 on unconditional data is refused; on conditional data, and α_cfg = 1, accepted.
    @Test func guidanceOnUnconditionalDataIsRefused() throws {
        var c = RunConfiguration()
        c.algorithm.teacherGuidance = 4.5
        #expect(throws: ConfigurationError.self) { try AlignmentRun.checkGuidance(c, conditional: false, data: "points") }
        try AlignmentRun.checkGuidance(c, conditional: true, data: "digits")
        c.algorithm.teacherGuidance = 1
        try AlignmentRun.checkGuidance(c, conditional: false, data: "points")
    }
}
