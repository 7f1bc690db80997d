import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// SDS's closed form in both configurations, SiD's own σ schedules, DreamFusion's σ, the
/// distillation EMA and the refused configurations.
struct DivergenceDefaultsTests {
    /// SDS on a Gaussian teacher `N(μ, s²I)` with the generator `a + b·z`: per dimension
    /// `∂L/∂a = (a − μ)·κ` and `∂L/∂b = d·b·κ`, `κ = E_σ[w·σ²/(s² + σ²)]` — the spread shrinks even
    /// when the generator equals the teacher (mode collapse), unlike IKL and SiD. Checked for the
    /// like-for-like configuration (`w = 1`) and DreamFusion's (`w = σ/(1 + σ²)`, its σ).
    @Test func sdsGradientMatchesClosedForm() throws {
        try Self.checkSDSClosedForm(ScoreDistillationSampling(), noise: .logNormal(mean: -1, std: 1, minimum: 0.002, maximum: 80), seed: 11)
        try Self.checkSDSClosedForm(.dreamFusion, noise: try #require(ScoreDistillationSampling.dreamFusion.noise), seed: 12)
        // Not stationary at the teacher (∂L/∂b = 2bκ ≠ 0): without a TA the conformance check
        // looks for the stationary point at the teacher's mode, which SDS has.
        let results = Conformance.checkDivergence(ScoreDistillationSampling())
        #expect(results.count == 3 && results.allPassed && results[0].detail.contains("mode-seeking"), "\(results)")
    }

    static func checkSDSClosedForm(_ sds: ScoreDistillationSampling, noise: NoiseDistribution, seed: UInt64) throws {
        let (mu, s): ([Float], Float) = ([0.5, -1], 0.8)
        let (a, b): ([Float], Float) = ([0.9, -1.3], 0.8)
        let kappa = noise.expectation { Double(sds.weight(sigma: Float($0))) * $0 * $0 / (Double(s * s) + $0 * $0) }
        let generator = AffineGenerator(shift: [a], scale: [b])
        let batch = 200_000
        var rng = RandomStream(seed: seed)
        let conditions = Conditions(labels: [Int](repeating: 0, count: batch))
        let x0 = generator(generator.sampleLatents(count: batch, rng: &rng), conditions: conditions)
        let sigma = Tensor(shape: [batch], storage: noise.sample(batch, rng: &rng))
        let term = sds.generatorLoss(DivergenceInputs(
            x0: x0, conditions: conditions, sigma: sigma, noise: Tensor.randomNormal(x0.shape, using: &rng),
            teacher: GaussianMixtureDenoiser(means: [mu], standardDeviations: [s]), teacherGuidance: ClassifierFreeGuidance(),
            assistant: generator.exactAssistant(), assistantGuidance: ClassifierFreeGuidance()))
        let g = Tensor.gradients(of: term.loss, withRespectTo: generator.parameters)
        for j in 0..<2 {
            let expected = Double(a[j] - mu[j]) * kappa
            #expect(abs(Double(g[0].storage[j]) - expected) < 0.03 * abs(expected) + 2e-3, "\(sds.weighting): ∂L/∂a_\(j) = \(g[0].storage[j]), closed form \(expected)")
        }
        let expectedScale = 2 * Double(b) * kappa
        #expect(abs(Double(g[1].storage[0]) - expectedScale) < 0.03 * expectedScale, "\(sds.weighting): ∂L/∂b = \(g[1].storage[0]), closed form \(expectedScale)")
    }

    /// DreamFusion's t: uniform on steps 20…980 of Stable Diffusion's scaled-linear schedule,
    /// read as `σ = √((1 − ᾱ)/ᾱ)` — σ from 0.138 to 13.04, every draw one of those 961 levels.
    @Test func dreamFusionNoiseIsTheVPScheduleReadAsSigma() throws {
        let sigmas = NoiseDistribution.variancePreservingSigmas(betaStart: 0.00085, betaEnd: 0.012, steps: 1000)
        #expect(abs(sigmas[20] - 0.13799) < 1e-4 && abs(sigmas[980] - 13.0431) < 1e-3 && abs(sigmas[999] - 14.6146) < 1e-3)
        var rng = RandomStream(seed: 5)
        let draws = NoiseDistribution.dreamFusion.sample(20_000, rng: &rng)
        let levels = Set(sigmas[20...980].map { Float($0) })
        #expect(draws.allSatisfy(levels.contains))
        #expect(Float(draws.min()!) == Float(sigmas[20]) && Float(draws.max()!) == Float(sigmas[980]))
        // Uniform in t: the median draw sits near step 500.
        let median = draws.sorted()[draws.count / 2]
        #expect(abs(Double(median) - sigmas[500]) < 0.05 * sigmas[500], "median σ \(median), step 500: \(sigmas[500])")
        // Options by name: `sds` with DreamFusion's weighting and σ, through the catalogue.
        var init_ = RandomStream(seed: 1)
        let context = RunContext(teacher: try Components.standard().denoiser(DenoiserConfiguration(), rng: &init_),
                                 train: GaussianMixture2D().sample(64, rng: &init_), seed: 0, classifierFolder: FileManager.default.temporaryDirectory)
        let spec = ComponentSpec("sds", options: ["weighting": .string("dreamfusion"), "noise": try JSONValue(encoding: NoiseDistribution.dreamFusion)])
        let made = try #require(try Components.standard().divergences.make(spec, context: context, path: "divergence") as? ScoreDistillationSampling)
        #expect(made == .dreamFusion)
        #expect(try Components.standard().divergences.make("sds", context: context, path: "divergence").noise == nil)
        // A schedule that cannot be drawn from is refused with its key, not trapped on an index.
        try NoiseDistribution.dreamFusion.validate(path: "divergence.noise")
        for bad in [NoiseDistribution.variancePreserving(betaStart: 0.00085, betaEnd: 0.012, steps: 1000, minimumStep: 20, maximumStep: 1000),
                    .variancePreserving(betaStart: 0.00085, betaEnd: 0.012, steps: 1000, minimumStep: 500, maximumStep: 400),
                    .variancePreserving(betaStart: 0.02, betaEnd: 0.01, steps: 1000, minimumStep: 0, maximumStep: 10)] {
            #expect(throws: ConfigurationError.self) { try bad.validate(path: "divergence.noise") }
        }
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

    /// SiD draws the generator's σ from SiD's capped Karras ramp and trains its TA on EDM's
    /// log-normal, as SiD's code does; IKL keeps DI++'s for both.
    @Test func sidUsesItsOwnNoiseSchedule() throws {
        #expect(ScoreIdentity().noise == .sid && ScoreIdentity().assistantNoise == .edm && IntegralKL().noise == nil)
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
        #expect(trainer(sid).assistantNoise == .edm && trainer(ikl).assistantNoise == .diPlusPlus)
        #expect(trainer(ScoreIdentity(assistantNoise: .sid)).assistantNoise == .sid)
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

    /// `dipp distill` uses EDM's adaptive EMA with EDM's defaults (0.5 M images, ramp-up 0.05; DI++ §A.2), `dipp align` the fixed 0.95.
    @Test func distillationUsesTheAdaptiveEMA() {
        let distill = RunConfiguration.distillDefaults.algorithm.emaSchedule
        for step in [10, 1000, 100_000, 1_000_000] {
            let images = Double(step * 256)
            let expected = Float(pow(0.5, 256 / min(500_000, 0.05 * images)))
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
