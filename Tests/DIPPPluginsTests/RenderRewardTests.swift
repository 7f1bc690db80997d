import DIPPData
import DIPPDiffusion
import DIPPPlugins
import DIPPRender
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// A reward plugin shaping a 3-D field through its renders: the `WarmthReward` C plugin in the
/// DI++ trainer with the voxel-field generator.
@Suite struct RenderRewardTests {
    /// The denoiser of a point mass at mid-grey: `D(x) = 0`, so SDS pulls renders towards grey
    /// and the reward alone decides the hue.
    struct GreyTeacher: ScoreModel {
        var sampleShape: [Int] { [3, 16, 16] }
        func denoise(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor { Tensor.zeros(x.shape) }
    }

    struct RandomViews: ConditionSampler {
        let renderer: VolumeRenderer
        func sample(count: Int, rng: inout RandomStream) -> Conditions {
            let cameras = (0..<count).map { _ in Shapes3D.randomCamera(renderer, rng: &rng).conditionVector }
            return Conditions(count: count, camera: CameraPose(dimension: 2, values: cameras.flatMap { $0 }), isNull: [Bool](repeating: false, count: count))
        }
    }

    @Test func warmthRewardWarmsTheField() throws {
        let path = try #require(PluginHostTests.builtPlugin("WarmthReward"), "libWarmthReward.so is built by `swift build`")
        let reward = try PluginReward(library: PluginLibrary(path: path))
        let renderer = VolumeRenderer(imageSize: 16, samplesPerRay: 16)
        let field = VoxelFieldGenerator(.init(gridSize: 8), renderer: renderer)
        var configuration = DIPPConfiguration()
        (configuration.batchSize, configuration.rewardScale, configuration.generatorLearningRate, configuration.beta1) = (4, 10, 0.05, 0.9)
        let views = RandomViews(renderer: renderer)
        let trainer = DIPPTrainer(configuration: configuration, teacher: GreyTeacher(), generator: field, assistant: .exact { _ in GreyTeacher() },
                                  divergence: ScoreDistillationSampling(), reward: reward, conditions: views)
        func meanReward() -> Float {
            var rng = RandomStream(seed: 9)
            let c = views.sample(count: 8, rng: &rng)
            return reward.meanReward(withoutGradients { field(Tensor.zeros([8, 1]), conditions: c) }, conditions: c)
        }
        let before = meanReward()
        for _ in 0..<40 { try trainer.trainStep() }
        let after = meanReward()
        #expect(Swift.abs(before) < 1e-3, "the grey ball on white has no warmth (\(before))")
        #expect(after > before + 0.05, "warmth \(before) → \(after)")
    }
}
