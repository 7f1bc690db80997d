import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DIPPTestSupport
import DiffInstruct
import Foundation
import Testing

/// The alignment check every reward source (C, Swift, Rust plugins, foreign functions) must
/// pass: starting from a small digits teacher's one-step generator, 100 DI++ steps with the
/// reward must raise its mean.
enum RewardAlignment {
    /// The shared digits teacher (``TestTeachers/digits()``).
    static let teacher: Result<URL, Error> = Result { try TestTeachers.digits() }

    /// Mean reward of the generator before and after aligning it with `reward` at `α_rew = rewardScale`.
    static func meanReward(aligningWith reward: any RewardModel, named name: String, rewardScale: Float) throws -> (before: Double, after: Double) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-reward-align-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        var c = RunConfiguration()
        c.teacher = try teacher.get().path
        c.reward = ComponentSpec(name)
        c.reportPerClass = 20
        c.algorithm.steps = 100
        c.algorithm.batchSize = 128
        c.algorithm.rewardScale = .constant(rewardScale)
        let components = Components.standard()
        components.rewards.register(name, summary: "the reward under test") { _ in reward }
        let report = try AlignmentRun(configuration: c, folder: folder, components: components).run(progress: false)
        return (try #require(report.initialMeanReward), try #require(report.meanReward))
    }
}
