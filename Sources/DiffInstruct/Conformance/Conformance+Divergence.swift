import DIPPDiffusion
import DIPPTensor
import Foundation

extension Conformance {
    /// `Divergence`, on Gaussians where everything is exact (teacher `N(μ, s²I)`, an affine
    /// generator, its exact TA):
    /// - **stationary**: with the generator equal to the teacher, the gradient in θ is zero
    ///   (`‖∇_θ L‖ ≤ tolerance`);
    /// - **sign**: with the generator's mean shifted by `δ`, one gradient-descent step moves the
    ///   mean toward the teacher's (`⟨∇_shift L, δ⟩ > 0`), and a shifted scale moves toward `s`.
    public static func checkDivergence(_ divergence: any Divergence, batch: Int = 4096, seed: UInt64 = 5,
                                       tolerance: Float = 1e-4) -> [ConformanceResult] {
        let (mu, s): ([Float], Float) = ([0.5, -1], 0.8)
        let teacher = GaussianMixtureDenoiser(means: [mu], standardDeviations: [s])
        func gradients(shift: [Float], scale: Float) -> (shift: [Float], scale: Float, loss: Float) {
            let generator = AffineGenerator(shift: [shift], scale: [scale])
            var rng = RandomStream(seed: seed)
            let conditions = Conditions(labels: [Int](repeating: 0, count: batch))
            let x0 = generator(generator.sampleLatents(count: batch, rng: &rng), conditions: conditions)
            let sigma = Tensor(shape: [batch], storage: NoiseDistribution.logNormal(mean: -1, std: 1, minimum: 0.002, maximum: 80)
                .sample(batch, rng: &rng))
            let term = divergence.generatorLoss(DivergenceInputs(
                x0: x0, conditions: conditions, sigma: sigma, noise: Tensor.randomNormal(x0.shape, using: &rng), teacher: teacher,
                teacherGuidance: ClassifierFreeGuidance(), assistant: generator.exactAssistant(), assistantGuidance: ClassifierFreeGuidance()))
            let g = Tensor.gradients(of: term.loss, withRespectTo: generator.parameters)
            return (g[0].storage, g[1].storage[0], term.loss.scalar)
        }
        let still = gradients(shift: mu, scale: s)
        let norm = (still.shift.map { $0 * $0 }.reduce(0, +) + still.scale * still.scale).squareRoot()
        var results = [ConformanceResult("stationary", norm <= tolerance && still.loss.isFinite,
                                         "‖∇_θ L‖ = \(norm) with the generator equal to the teacher")]
        let delta: [Float] = [0.6, -0.4]
        let shifted = gradients(shift: zip(mu, delta).map(+), scale: s)
        let along = zip(shifted.shift, delta).map(*).reduce(0, +)
        results.append(ConformanceResult("sign-mean", along > 0, "⟨∇_shift L, δ⟩ = \(along) (descent moves the mean toward the teacher's when > 0)"))
        let wide = gradients(shift: mu, scale: 1.5 * s)
        results.append(ConformanceResult("sign-scale", wide.scale > 0, "∂L/∂scale = \(wide.scale) with the scale 1.5× the teacher's (> 0: descent narrows it)"))
        return results
    }
}
