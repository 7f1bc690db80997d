import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// Every built-in passes the conformance checkers users run on their own types.
@Suite struct ConformanceTests {
    static let labels = Conditions(labels: [0, 1, 2, Conditions.nullLabel])

    static func denoiser(_ architecture: String, shape: [Int]) -> EDMDenoiser {
        var rng = RandomStream(seed: 4)
        return EDMDenoiser(DenoiserConfiguration(architecture: architecture, sampleShape: shape, classCount: 3, hidden: [32, 32],
                                                 embeddingDimension: 8, noiseFeatures: 8, channels: [8, 8, 8]), rng: &rng)
    }

    @Test func generatorsConform() {
        var rng = RandomStream(seed: 2)
        let generators: [(String, any Generator)] = [
            ("one-step", OneStepGenerator(teacher: Self.denoiser("mlp", shape: [6]))),
            ("mlp", MLPGenerator(.init(latentDimension: 3, hidden: [16], embeddingDimension: 4), sampleShape: [5], classCount: 3, rng: &rng)),
            ("affine", AffineGenerator(shift: [[1, 2], [0, 0], [-1, 1]], scale: [0.5, 1, 2])),
            ("bounded-tanh", BoundedGenerator(AffineGenerator(shift: [[1, 2], [0, 0], [-1, 1]], scale: [0.5, 1, 2]), mode: .tanh, low: -1, high: 2)),
        ]
        for (name, generator) in generators {
            let results = Conformance.checkGenerator(generator, conditions: Self.labels)
            #expect(results.allPassed && results.count == 6, "\(name):\n\(results.failures)")
        }
    }

    @Test func rewardsConform() throws {
        var rng = RandomStream(seed: 3)
        let points = Tensor.randomNormal([4, 2], using: &rng)
        for (name, reward) in [("linear", LinearReward(direction: [1, -2])), ("mode-distance", ModeDistanceReward())] as [(String, any RewardModel)] {
            let results = Conformance.checkReward(reward, samples: points, conditions: Self.labels)
            #expect(results.allPassed, "\(name):\n\(results.failures)")
        }
        let digits = try Digits.load().split(fraction: 0.5, seed: 0).0
        let classifier = ClassifierReward(classifier: try Classifier.train(on: digits, configuration: .init(hidden: [32], epochs: 1)))
        let images = Tensor.randomUniform([4, 64], in: -1...1, using: &rng)
        let results = Conformance.checkReward(classifier, samples: images, conditions: Self.labels)
        #expect(results.allPassed, "classifier:\n\(results.failures)")
    }

    @Test func scoreModelsConform() {
        var rng = RandomStream(seed: 5)
        let models: [(String, any ScoreModel, [Int])] = [
            ("edm-mlp", Self.denoiser("mlp", shape: [6]), [6]),
            ("edm-unet", Self.denoiser("unet", shape: [1, 8, 8]), [1, 8, 8]),
            ("mixture", GaussianMixtureDenoiser(means: [[0, 1], [2, -1], [-1, -1]], standardDeviations: [0.3, 0.5, 0.8]), [2]),
            ("learned-gaussian", LearnedGaussianDenoiser(means: [[0, 1], [2, -1], [-1, -1]], standardDeviations: [0.3, 0.5, 0.8]), [2]),
        ]
        for (name, model, shape) in models {
            let x = Tensor.randomNormal([4] + shape, using: &rng)
            let results = Conformance.checkScoreModel(model, samples: x, conditions: Self.labels)
            #expect(results.allPassed, "\(name):\n\(results.failures)")
            #expect(results.contains { $0.check == "preconditioning" } == (model is EDMDenoiser))
        }
    }

    @Test func divergencesConform() {
        let divergences: [any Divergence] = IntegralKL.Weighting.allCases.map { IntegralKL(weighting: $0) } + [ScoreIdentity()]
        for divergence in divergences {
            let results = Conformance.checkDivergence(divergence)
            #expect(results.allPassed, "\(divergence.name):\n\(results.failures)")
        }
    }

    /// Every registered sampler, the one-step generator included (an affine generator equal to
    /// the Gaussian, sampled in one step, has its exact moments). Diffusion samplers run 64
    /// steps: at 18 the discretisation error on a narrow Gaussian is real (Euler's std is 15%
    /// low, the stochastic sampler's 13% high at S_churn 40), and the check is for convergence.
    @Test func samplersConform() throws {
        let components = Components.standard()
        for entry in components.samplers.catalogue.entries {
            let exact = AffineGenerator(shift: [[1, -0.5]], scale: [0.7])
            let spec = ComponentSpec(entry.name, options: entry.defaults["steps"] == nil ? [:] : ["steps": .number(64)])
            let sampler = try components.samplers.make(spec, context: SamplerContext(generator: exact), path: "sampler")
            let results = Conformance.checkSampler(sampler)
            #expect(results.allPassed, "\(entry.name):\n\(results.failures)")
        }
    }

    /// The checkers fail where the contract is broken (a checker that cannot fail is no test).
    @Test func checkersCatchBrokenComponents() {
        struct WrongGradientReward: RewardModel {
            var name: String { "wrong" }
            func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
                let n = x.shape[0], values = x.sum(axis: 1).storage
                return Tensor.custom(shape: [n], values: values, inputs: [x]) { g, _ in [(0..<x.count).map { -g[$0 / 2] }] }
            }
        }
        struct BatchCoupledReward: RewardModel {
            var name: String { "coupled" }
            func reward(_ x: Tensor, conditions: Conditions) -> Tensor { x.sum(axis: 1) - x.sum() / Float(x.shape[0]) }
        }
        struct PushAway: Divergence {
            var name: String { "push-away" }
            func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm {
                DivergenceTerm(loss: -IntegralKL().generatorLoss(inputs).loss, diagnostics: [])
            }
        }
        let x = Tensor(shape: [4, 2], storage: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Conformance.checkReward(WrongGradientReward(), samples: x, conditions: Self.labels).filter { !$0.passed }.map(\.check) == ["gradient"])
        #expect(Conformance.checkReward(BatchCoupledReward(), samples: x, conditions: Self.labels).filter { !$0.passed }.map(\.check) == ["batch-independent"])
        #expect(Conformance.checkDivergence(PushAway()).filter { !$0.passed }.map(\.check) == ["sign-mean", "sign-scale"])
        #expect(!Conformance.checkSampler(EulerSampler(schedule: KarrasSchedule(steps: 2))).allPassed)
    }
}
