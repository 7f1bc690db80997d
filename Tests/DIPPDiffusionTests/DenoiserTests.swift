import DIPPData
import DIPPDiffusion
import DIPPTensor
import Foundation
import Testing

/// The analytic mixture denoiser, EDM preconditioning and loss, guidance and the Heun sampler
/// against closed forms and Monte-Carlo estimates.
@Suite struct DenoiserTests {
    static var mixture: GaussianMixtureDenoiser {
        GaussianMixtureDenoiser(means: [[2, 0], [-1, 1.5], [0, -2]], standardDeviations: [0.3, 0.5, 0.8], weights: [0.5, 0.3, 0.2])
    }

    /// `E[x₀ | x]` by self-normalised importance sampling: `x₀ ~ p`, weights `N(x; x₀, σ²I)`.
    static func monteCarloPosteriorMean(x: [Double], sigma: Double, component: Int?, samples: Int) -> [Double] {
        var rng = RandomStream(seed: 77)
        let z = rng.normal(2 * samples), u = rng.uniform(samples)
        var numerator = [0.0, 0.0], denominator = 0.0
        for i in 0..<samples {
            var k = component ?? 0
            if component == nil {
                var acc = 0.0
                for (j, w) in mixture.weights.enumerated() { acc += Double(w); if Double(u[i]) <= acc { k = j; break } }
            }
            let s = Double(mixture.standardDeviations[k])
            let x0 = [Double(mixture.means.storage[2 * k]) + s * Double(z[2 * i]), Double(mixture.means.storage[2 * k + 1]) + s * Double(z[2 * i + 1])]
            let d2 = (x[0] - x0[0]) * (x[0] - x0[0]) + (x[1] - x0[1]) * (x[1] - x0[1])
            let w = Foundation.exp(-d2 / (2 * sigma * sigma))
            numerator[0] += w * x0[0]; numerator[1] += w * x0[1]; denominator += w
        }
        return numerator.map { $0 / denominator }
    }

    @Test(arguments: [(Float(0.5), Optional<Int>.none), (1.5, nil), (4, nil), (1, 1), (2, 2)])
    func mixtureDenoiserEqualsMonteCarloPosteriorMean(_ c: (sigma: Float, component: Int?)) {
        let points: [[Float]] = [[0.5, 0.5], [1.5, -1], [-2, 1]]
        for p in points {
            let d = Self.mixture.denoise(Tensor(shape: [1, 2], storage: p), sigma: Tensor(shape: [1], storage: [c.sigma]),
                                         conditions: Conditions(labels: [c.component ?? Conditions.nullLabel])).storage
            let mc = Self.monteCarloPosteriorMean(x: p.map(Double.init), sigma: Double(c.sigma), component: c.component, samples: 400_000)
            for j in 0..<2 {
                #expect(Swift.abs(Double(d[j]) - mc[j]) < 0.02, "x=\(p) σ=\(c.sigma) comp=\(String(describing: c.component)): \(d) vs \(mc)")
            }
        }
    }

    @Test func mixtureDenoiserIsDifferentiableInX() {
        let report = GradientCheck.check([Tensor(shape: [2, 2], storage: [0.3, 0.2, -1, 1])]) {
            Self.mixture.denoise($0[0], sigma: Tensor(shape: [2], storage: [0.7, 1.3]), conditions: Conditions(labels: [-1, 2]))
        }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [Float(0.002), 0.1, 0.5, 1, 3, 80])
    func preconditioningMatchesFormulas(_ sigma: Float) {
        let p = EDMPreconditioning(sigmaData: 0.5)
        let (s, sd) = (Double(sigma), 0.5)
        let close = { (a: Float, b: Double) in Swift.abs(Double(a) - b) <= 1e-5 * max(1, Swift.abs(b)) }
        #expect(close(p.cSkip(sigma), sd * sd / (s * s + sd * sd)))
        #expect(close(p.cOut(sigma), s * sd / (s * s + sd * sd).squareRoot()))
        #expect(close(p.cIn(sigma), 1 / (s * s + sd * sd).squareRoot()))
        #expect(close(p.cNoise(sigma), Foundation.log(s) / 4))
        #expect(close(p.lossWeight(sigma), (s * s + sd * sd) / ((s * sd) * (s * sd))))
        #expect(close(p.lossWeight(sigma) * p.cOut(sigma) * p.cOut(sigma), 1))
        // The wrapper: D = c_skip·x + c_out·F(c_in·x) with F ≡ identity gives (c_skip + c_out·c_in)·x.
        let x = Tensor(shape: [1, 2], storage: [1, -2])
        let d = p.denoise(x, sigma: Tensor(shape: [1], storage: [sigma])) { input, _ in input }
        let factor = p.cSkip(sigma) + p.cOut(sigma) * p.cIn(sigma)
        #expect(zip(d.storage, [factor, -2 * factor]).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
    }

    @Test func edmLossOfTheExactDenoiserIsThePosteriorVariance() {
        // Data N(μ, s²I) in d dims, exact D: E‖D − x₀‖² = d·s²σ²/(s²+σ²), so
        // E[L] = E_σ[λ(σ)·d·s²σ²/(s²+σ²)] (quadrature over the clipped log-normal).
        let (s, d, sd): (Float, Int, Float) = (0.7, 3, 0.5)
        let gaussian = GaussianMixtureDenoiser(means: [[0.5, -1, 2]], standardDeviations: [s])
        let loss = EDMLoss(noise: .edm, labelDropout: 0)
        var rng = RandomStream(seed: 3)
        var total = 0.0
        let batches = 200, n = 500
        for _ in 0..<batches {
            let x0 = Tensor(shape: [n, d], storage: rng.normal(n * d).enumerated().map { [0.5, -1, 2][$0.offset % d] + s * $0.element })
            total += Double(loss(gaussian, x0, conditions: .null(count: n), sigmaData: sd, rng: &rng).scalar)
        }
        let p = EDMPreconditioning(sigmaData: sd)
        let expected = NoiseDistribution.edm.expectation { sigma in
            Double(p.lossWeight(Float(sigma))) * Double(d) * Double(s * s) * sigma * sigma / (Double(s * s) + sigma * sigma)
        }
        let measured = total / Double(batches)
        #expect(Swift.abs(measured - expected) / expected < 0.03, "measured \(measured), expected \(expected)")
    }

    @Test func classifierFreeGuidanceFormula() {
        let x = Tensor(shape: [2, 2], storage: [0.5, 0.5, -1, 0])
        let sigma = Tensor(shape: [2], storage: [1, 2])
        let c = Conditions(labels: [0, 1])
        let conditional = Self.mixture.denoise(x, sigma: sigma, conditions: c).storage
        let unconditional = Self.mixture.denoise(x, sigma: sigma, conditions: c.nulled).storage
        #expect(ClassifierFreeGuidance(scale: 1).denoise(Self.mixture, x, sigma: sigma, conditions: c).storage == conditional)
        let guided = ClassifierFreeGuidance(scale: 4.5).denoise(Self.mixture, x, sigma: sigma, conditions: c).storage
        for i in 0..<4 {
            #expect(Swift.abs(guided[i] - (unconditional[i] + 4.5 * (conditional[i] - unconditional[i]))) < 1e-5)
        }
    }

    /// For `N(μ, s²I)` with its exact denoiser the sampler is linear, `x = μ + κ_N·t₀·z`, and
    /// `κ_N` follows from the same Heun recurrence on the scalar ODE `dx/dt = x·t/(s² + t²)`,
    /// whose exact solution gives `κ_∞·t₀ = s·t₀/√(s² + t₀²) ≈ s`. The sampled std must match
    /// the recurrence (18 steps: 0.6314, a real 5% discretisation error for s = 0.6) and approach
    /// s as N grows.
    static func heunScale(steps: Int, s: Double) -> Double {
        let t = HeunSampler(steps: steps).noiseLevels.map(Double.init)
        var x = 1.0
        for i in 0..<steps {
            let f = { (x: Double, tt: Double) in x * tt / (s * s + tt * tt) }
            let d = f(x, t[i])
            var next = x + (t[i + 1] - t[i]) * d
            if i < steps - 1 { next = x + (t[i + 1] - t[i]) * (d + f(next, t[i + 1])) / 2 }
            x = next
        }
        return x * t[0]
    }

    @Test(arguments: [18, 64])
    func heunSamplerOnAGaussian(_ steps: Int) {
        let gaussian = GaussianMixtureDenoiser(means: [[1.5, -0.5]], standardDeviations: [0.6])
        let sampler = HeunSampler(steps: steps)
        #expect(sampler.evaluations == 2 * steps - 1)
        let levels = sampler.noiseLevels
        #expect(levels.count == steps + 1 && Swift.abs(levels[0] - 80) < 1e-3 && Swift.abs(levels[steps - 1] - 0.002) < 1e-6 && levels[steps] == 0)
        var rng = RandomStream(seed: 11)
        let n = 4000
        let x = sampler.sample(gaussian, guidance: ClassifierFreeGuidance(), conditions: .null(count: n), rng: &rng).storage
        let expectedStd = Self.heunScale(steps: steps, s: 0.6)
        #expect(steps != 64 || Swift.abs(expectedStd - 0.6) < 0.005)
        for j in 0..<2 {
            let values = stride(from: j, to: x.count, by: 2).map { Double(x[$0]) }
            let (mean, std) = (Statistics.mean(values), Statistics.sampleStandardDeviation(values))
            // Sampling error of the std over 4000 draws ≈ 0.007; allow 3 of them.
            #expect(Swift.abs(mean - [1.5, -0.5][j]) < 0.05, "mean \(mean)")
            #expect(Swift.abs(std - expectedStd) < 0.021, "std \(std), recurrence \(expectedStd)")
        }
    }

    @Test func noiseDistributions() {
        var rng = RandomStream(seed: 5)
        let karras = NoiseDistribution.karras(tMax: 800, minimum: 0.002, maximum: 80, rho: 7)
        let sigmas = karras.sample(10_000, rng: &rng)
        #expect(sigmas.max()! <= 24.5 && sigmas.max()! > 20 && sigmas.min()! >= 0.002)
        let logNormal = NoiseDistribution.edm.sample(10_000, rng: &rng)
        #expect(logNormal.allSatisfy { $0 >= 0.002 && $0 <= 80 })
        // Quadrature of E[ln σ] for the (barely clipped) EDM distribution ≈ P_mean.
        #expect(Swift.abs(NoiseDistribution.edm.expectation { Foundation.log($0) } + 1.2) < 0.01)
    }
}
