import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import DIPPTestSupport
import DiffInstruct
import Foundation
import Testing

/// The 2-D acceptance targets: a teacher-initialised one-step generator distilled by IKL and by
/// SiD (α_cfg = 1) puts ≥ 95% of its samples within 3σ of their class's mode, every mode
/// covered — with the analytic mixture teacher and with a learned MLP teacher. The generator
/// and the TA are initialised from the MLP teacher in both cases (an analytic teacher has no
/// weights to copy).
@Suite(.serialized) struct ToyDistillationTests {
    /// An MLP teacher pre-trained on the 8-mode mixture (short schedule), shared by the cases.
    static func mlpTeacher() throws -> EDMDenoiser {
        let folder = try TestTeachers.trained("gmm2d-mlp-1500") { c in
            c.data = "gmm2d"
            c.hidden = [256, 256, 256]
            c.steps = 1500
            c.batchSize = 256
            c.emaHalfLifeSamples = 20_000
        }
        return try EDMDenoiser.load(runFolder: folder)
    }

    static func analyticTeacher() -> GaussianMixtureDenoiser {
        let m = GaussianMixture2D()
        return GaussianMixtureDenoiser(means: (0..<m.modes).map { [m.mean($0).0, m.mean($0).1] },
                                       standardDeviations: [Float](repeating: m.standardDeviation, count: m.modes))
    }

    /// Distils for `steps` steps and evaluates the EMA generator (`steps = 0`: the initial one).
    static func distill(teacher: any ScoreModel, divergence: any Divergence, steps: Int, learningRate: Float = 1e-4) throws -> ModeReport {
        let initial = try mlpTeacher()
        var c = DIPPConfiguration()
        c.steps = steps
        c.batchSize = 256
        c.generatorLearningRate = .constant(learningRate)
        c.assistantLearningRate = 1e-4
        c.seed = 3
        let generator = OneStepGenerator(teacher: initial)
        let trainer = DIPPTrainer(configuration: c, teacher: teacher, generator: generator, assistant: .learned(initial.copy()),
                                  divergence: divergence, conditions: UniformLabels(classCount: 8),
                                  assistantObjective: EDMAssistantObjective(sigmaData: initial.configuration.sigmaData))
        for _ in 0..<steps { try trainer.trainStep() }
        let average = OneStepGenerator(teacher: initial)
        trainer.writeAverage(into: average)
        let labels = ModelEvaluation.balancedLabels(classes: 8, perClass: 100)
        var rng = RandomStream(seed: 8)
        let samples = average.sample(conditions: Conditions(labels: labels), rng: &rng)
        var dataRNG = RandomStream(seed: 2)
        return PointCloudMetrics.evaluate(samples: samples.storage, labels: labels, mixture: GaussianMixture2D(),
                                          reference: GaussianMixture2D().sample(1000, rng: &dataRNG).values)
    }

    @Test(arguments: ["analytic", "mlp"], ["ikl", "sid"])
    func oneStepGeneratorCoversEveryMode(teacherKind: String, divergenceName: String) throws {
        let teacher: any ScoreModel = teacherKind == "analytic" ? Self.analyticTeacher() : try Self.mlpTeacher()
        // Both divergences on DI++'s σ distribution: this checks the divergences themselves in 600
        // steps; SiD on its own schedule is compared in Examples/CompareDivergences.
        let divergence: any Divergence = divergenceName == "ikl" ? IntegralKL() : ScoreIdentity(noise: .diPlusPlus)
        // SiD's gradient is larger and noisier than IKL's (it differentiates through both
        // networks): it takes a smaller generator learning rate.
        let learningRate: Float = divergenceName == "sid" ? 3e-5 : 1e-4
        let initial = try Self.distill(teacher: teacher, divergence: divergence, steps: 0)
        let report = try Self.distill(teacher: teacher, divergence: divergence, steps: 600, learningRate: learningRate)
        #expect(report.fractionNearOwnMode >= 0.95, "\(teacherKind) teacher, \(divergenceName): \(report)")
        #expect(report.everyModeCovered, "\(teacherKind) teacher, \(divergenceName): \(report)")
        // The teacher-initialised generator already sits near the modes, but with the wrong
        // spread (MMD² ≈ 0.007); distillation must bring it to the data (MMD² at noise level).
        #expect(report.mmd < 0.002 && report.mmd < 0.3 * initial.mmd, "MMD² \(report.mmd), initially \(initial.mmd)")
    }
}
