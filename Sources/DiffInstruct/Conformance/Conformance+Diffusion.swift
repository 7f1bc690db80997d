import DIPPDiffusion
import DIPPTensor
import Foundation

extension Conformance {
    /// `ScoreModel`: shape and finiteness, the denoiser tends to the identity as `σ → 0`
    /// (`‖D(x; σ) − x‖ ≤ tolerance·‖x‖` at `σ = 10⁻⁴`), differentiability in `x`, and for
    /// an ``EDMDenoiser`` the preconditioning identities `c_in²(σ² + σ_d²) = 1`,
    /// `c_out² = σ²·c_skip` and `λ(σ)·c_out² = 1`.
    public static func checkScoreModel(_ model: any ScoreModel, samples x: Tensor, conditions: Conditions,
                                       identityTolerance: Float = 1e-2) -> [ConformanceResult] {
        let n = x.shape[0]
        let sigma = Tensor(shape: [n], storage: (0..<n).map { Float(0.2) * Float($0 + 1) })
        var results = shapeAndFinite(withoutGradients { model.denoise(x, sigma: sigma, conditions: conditions) }, expected: x.shape,
                                     what: "D(x; σ, c)")
        let tiny = withoutGradients { model.denoise(x, sigma: Noise.constant(1e-4, count: n), conditions: conditions) }
        let gap = (tiny - x).square().sum().scalar.squareRoot(), size = x.square().sum().scalar.squareRoot()
        results.append(ConformanceResult("identity-at-zero-noise", gap <= identityTolerance * Swift.max(size, 1),
                                         "‖D(x; 1e-4) − x‖ = \(gap), ‖x‖ = \(size)"))
        let check = GradientCheck.check([x], absoluteTolerance: 1e-2, relativeTolerance: 2e-2, elementsPerInput: 64) {
            model.denoise($0[0], sigma: sigma, conditions: conditions)
        }
        results.append(ConformanceResult("differentiable-in-x", check.passed, "∂D/∂x against central differences: \(check)"))
        if let edm = model as? EDMDenoiser, edm.configuration.schedule == nil {
            let p = edm.preconditioning, sd = Double(p.sigmaData)
            let worst = [0.002, 0.1, 1, 10, 80].map { (s: Double) -> Double in
                let f = Float(s)
                let (cIn, cOut, cSkip, lambda) = (Double(p.cIn(f)), Double(p.cOut(f)), Double(p.cSkip(f)), Double(p.lossWeight(f)))
                return [Swift.abs(cIn * cIn * (s * s + sd * sd) - 1), Swift.abs(cOut * cOut - s * s * cSkip) / Swift.max(s * s, 1e-12),
                        Swift.abs(lambda * cOut * cOut - 1)].max()!
            }.max()!
            results.append(ConformanceResult("preconditioning", worst < 1e-4, "largest relative error of the EDM identities: \(worst)"))
        }
        return results
    }

    /// `Sampler`: on the exact denoiser of `N(μ, s²I)` (2-D), `count` samples have the right
    /// mean and standard deviation (within `tolerance`·s), shape, finiteness and determinism.
    public static func checkSampler(_ sampler: any Sampler, mean: [Float] = [1, -0.5], std: Float = 0.7, count: Int = 2000,
                                    tolerance: Float = 0.1, seed: UInt64 = 3) -> [ConformanceResult] {
        let teacher = GaussianMixtureDenoiser(means: [mean], standardDeviations: [std])
        let conditions = Conditions(labels: [Int](repeating: 0, count: count))
        var rng = RandomStream(seed: seed), again = RandomStream(seed: seed)
        let x = sampler.sample(teacher, guidance: ClassifierFreeGuidance(), conditions: conditions, rng: &rng)
        var results = shapeAndFinite(x, expected: [count, 2], what: "samples")
        let same = sampler.sample(teacher, guidance: ClassifierFreeGuidance(), conditions: conditions, rng: &again).storage == x.storage
        results.append(ConformanceResult("deterministic", same, same ? "same rng, same samples" : "samples differ for the same rng"))
        for axis in 0..<2 {
            let values = (0..<count).map { Double(x.storage[$0 * 2 + axis]) }
            let (m, s) = (Statistics.mean(values), Statistics.sampleStandardDeviation(values))
            let ok = Swift.abs(m - Double(mean[axis])) <= Double(tolerance * std) && Swift.abs(s - Double(std)) <= Double(tolerance * std)
            results.append(ConformanceResult("moments-\(axis)", ok,
                                             String(format: "mean %.4f (exact %.4f), std %.4f (exact %.4f)", m, mean[axis], s, std)))
        }
        return results
    }
}
