import DIPPDiffusion
import DIPPPlugins
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// The plugin adapters pass the same conformance checkers as the built-ins.
@Suite struct PluginConformanceTests {
    @Test func pluginGeneratorConforms() throws {
        let generator = try GeneratorPluginTests.style()
        let results = Conformance.checkGenerator(generator, conditions: Conditions(labels: [0, 3, 9, Conditions.nullLabel]))
        #expect(results.allPassed && results.count == 6, "\(results.failures)")
    }

    @Test func pluginRewardsConform() throws {
        var rng = RandomStream(seed: 9)
        let digits = Tensor.randomUniform([4, 64], in: -1...1, using: &rng)
        let labels = Conditions(labels: [0, 1, 2, Conditions.nullLabel])
        let symmetry = try PluginHostTests.symmetry()
        #expect(Conformance.checkReward(symmetry, samples: digits, conditions: labels).allPassed)
        let conditioned = try ConditionsABITests.fixture("FixtureConditions")
        let x = Tensor.randomNormal([3, 4], using: &rng)
        let results = Conformance.checkReward(conditioned, samples: x, conditions: ConditionsABITests.conditions)
        #expect(results.allPassed, "\(results.failures)")
    }
}
