import DIPPDiffusion
import DIPPTensor

extension Conformance {
    /// `Generator`: shapes (`z` is `[N] + latentShape`, `x₀` is `[N] + sampleShape`), finite
    /// samples, determinism (same rng → same latents, same `z` → same `x₀`), and the VJP
    /// `vᵀ∂x₀/∂θ` and `vᵀ∂x₀/∂z` against central differences.
    public static func checkGenerator(_ generator: any Generator, conditions: Conditions, seed: UInt64 = 1,
                                      parameterElements: Int = 20) -> [ConformanceResult] {
        let n = conditions.count
        var rng = RandomStream(seed: seed), again = RandomStream(seed: seed)
        let z = generator.sampleLatents(count: n, rng: &rng)
        var results = [ConformanceResult("latents", z.shape == [n] + generator.latentShape,
                                         "sampleLatents gives \(z.shape), expected \([n] + generator.latentShape)")]
        let x = withoutGradients { generator(z, conditions: conditions) }
        results += shapeAndFinite(x, expected: [n] + generator.sampleShape, what: "x₀")
        let sameLatents = generator.sampleLatents(count: n, rng: &again).storage == z.storage
        let sameSamples = withoutGradients { generator(z, conditions: conditions) }.storage == x.storage
        results.append(ConformanceResult("deterministic", sameLatents && sameSamples,
                                         sameLatents && sameSamples ? "same seed and z, same x₀" : "latents or samples differ between identical calls"))
        let wrtZ = GradientCheck.check([z], absoluteTolerance: 1e-2, relativeTolerance: 2e-2, elementsPerInput: 64) {
            generator($0[0], conditions: conditions)
        }
        results.append(ConformanceResult("vjp-latents", wrtZ.passed, "vᵀ∂x₀/∂z against central differences: \(wrtZ)"))
        let wrtTheta = GradientCheck.checkInPlace(generator.parameters, absoluteTolerance: 1e-2, relativeTolerance: 2e-2,
                                                  elementsPerInput: parameterElements) { generator(z, conditions: conditions) }
        results.append(ConformanceResult("vjp-parameters", wrtTheta.passed, "vᵀ∂x₀/∂θ against central differences: \(wrtTheta)"))
        return results
    }
}
