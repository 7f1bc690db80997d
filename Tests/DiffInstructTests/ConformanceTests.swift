import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// The checkers on the components that are not registered (test doubles, wrappers, closed-form
/// models) and on options the catalogue's defaults do not reach; every registered entry is
/// checked by ``CatalogueConformanceTests``.
@Suite struct ConformanceTests {
    static let labels = Conditions(labels: [0, 1, 2, Conditions.nullLabel])

    @Test func unregisteredGeneratorsConform() {
        let generators: [(String, any Generator)] = [
            ("affine", AffineGenerator(shift: [[1, 2], [0, 0], [-1, 1]], scale: [0.5, 1, 2])),
            ("bounded-tanh", BoundedGenerator(AffineGenerator(shift: [[1, 2], [0, 0], [-1, 1]], scale: [0.5, 1, 2]), mode: .tanh, low: -1, high: 2)),
        ]
        for (name, generator) in generators {
            let results = Conformance.checkGenerator(generator, conditions: Self.labels)
            #expect(results.allPassed && results.count == 6, "\(name):\n\(results.failures)")
        }
    }

    @Test func closedFormScoreModelsConform() {
        var rng = RandomStream(seed: 5)
        let models: [(String, any ScoreModel)] = [
            ("mixture", GaussianMixtureDenoiser(means: [[0, 1], [2, -1], [-1, -1]], standardDeviations: [0.3, 0.5, 0.8])),
            ("learned-gaussian", LearnedGaussianDenoiser(means: [[0, 1], [2, -1], [-1, -1]], standardDeviations: [0.3, 0.5, 0.8])),
        ]
        for (name, model) in models {
            let x = Tensor.randomNormal([4, 2], using: &rng)
            let results = Conformance.checkScoreModel(model, samples: x, conditions: Self.labels)
            #expect(results.allPassed && !results.contains { $0.check == "preconditioning" }, "\(name):\n\(results.failures)")
        }
    }

    /// Every IKL weighting (the catalogue check builds the default, `unit`).
    @Test func everyIKLWeightingConforms() {
        for weighting in IntegralKL.Weighting.allCases {
            let results = Conformance.checkDivergence(IntegralKL(weighting: weighting))
            #expect(results.allPassed, "\(weighting):\n\(results.failures)")
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
