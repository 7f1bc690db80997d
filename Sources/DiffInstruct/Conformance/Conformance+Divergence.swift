import DIPPDiffusion
import DIPPTensor
import Foundation

extension Conformance {
    /// `Divergence`, on Gaussians where everything is exact (teacher `N(μ, s²I)`, an affine
    /// generator, its exact TA):
    /// - **stationary**: with the generator equal to the teacher, the gradient in θ is zero
    ///   (`‖∇_θ L‖ ≤ tolerance`) — or, for a divergence without a TA (``Divergence/usesAssistant``
    ///   false: SDS), which seeks the teacher's mode, with the generator collapsed onto it
    ///   (scale 0 at the mean);
    /// - **sign**: with the generator's mean shifted by `δ`, one gradient-descent step moves the
    ///   mean toward the teacher's (`⟨∇_shift L, δ⟩ > 0`), and a shifted scale moves toward `s`.
    ///
    /// The noise is antithetic (each latent and σ twice, with `ε` and `−ε`), so a denoiser linear
    /// in `x`, as the Gaussian teacher's is, leaves no Monte-Carlo residue in the stationary check.
    public static func checkDivergence(_ divergence: any Divergence, batch: Int = 4096, seed: UInt64 = 5,
                                       tolerance: Float = 1e-4) -> [ConformanceResult] {
        let (mu, s): ([Float], Float) = ([0.5, -1], 0.8)
        let teacher = GaussianMixtureDenoiser(means: [mu], standardDeviations: [s])
        func gradients(shift: [Float], scale: Float) -> (shift: [Float], scale: Float, loss: Float) {
            let generator = AffineGenerator(shift: [shift], scale: [scale])
            var rng = RandomStream(seed: seed)
            let half = batch / 2, conditions = Conditions(labels: [Int](repeating: 0, count: 2 * half))
            let z = generator.sampleLatents(count: half, rng: &rng)
            let x0 = generator(Tensor.concat([z, z], axis: 0), conditions: conditions)
            let sigmas = NoiseDistribution.logNormal(mean: -1, std: 1, minimum: 0.002, maximum: 80).sample(half, rng: &rng)
            let epsilon = Tensor.randomNormal(z.shape, using: &rng)
            let term = divergence.generatorLoss(DivergenceInputs(
                x0: x0, conditions: conditions, sigma: Tensor(shape: [2 * half], storage: sigmas + sigmas),
                noise: Tensor.concat([epsilon, -epsilon], axis: 0), teacher: teacher,
                teacherGuidance: ClassifierFreeGuidance(), assistant: generator.exactAssistant(), assistantGuidance: ClassifierFreeGuidance()))
            let g = Tensor.gradients(of: term.loss, withRespectTo: generator.parameters)
            return (g[0].storage, g[1].storage[0], term.loss.scalar)
        }
        let still = gradients(shift: mu, scale: divergence.usesAssistant ? s : 0)
        let norm = (still.shift.map { $0 * $0 }.reduce(0, +) + still.scale * still.scale).squareRoot()
        var results = [ConformanceResult("stationary", norm <= tolerance && still.loss.isFinite,
                                         "‖∇_θ L‖ = \(norm) with the generator "
                                         + (divergence.usesAssistant ? "equal to the teacher" : "collapsed onto the teacher's mean (no TA: mode-seeking)"))]
        let delta: [Float] = [0.6, -0.4]
        let shifted = gradients(shift: zip(mu, delta).map(+), scale: s)
        let along = zip(shifted.shift, delta).map(*).reduce(0, +)
        results.append(ConformanceResult("sign-mean", along > 0, "⟨∇_shift L, δ⟩ = \(along) (descent moves the mean toward the teacher's when > 0)"))
        let wide = gradients(shift: mu, scale: 1.5 * s)
        results.append(ConformanceResult("sign-scale", wide.scale > 0, "∂L/∂scale = \(wide.scale) with the scale 1.5× the teacher's (> 0: descent narrows it)"))
        return results
    }
}
