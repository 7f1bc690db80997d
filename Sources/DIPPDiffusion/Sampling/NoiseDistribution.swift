import DIPPTensor
import Foundation

/// A distribution of training noise levels σ, drawn per sample.
public enum NoiseDistribution: Codable, Sendable, Equatable {
    /// `ln σ ~ N(mean, std²)`, clipped (not truncated) to `[minimum, maximum]` (EDM: −1.2, 1.2;
    /// DI++: −2, 2): draws beyond a bound sit on it.
    case logNormal(mean: Float, std: Float, minimum: Float, maximum: Float)
    /// SiD's capped Karras ramp: `t ~ U[0, tMax/1000]`,
    /// `σ = (σ_max^{1/ρ} + (1−t)(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ`.
    case karras(tMax: Float, minimum: Float, maximum: Float, rho: Float)
    /// A discrete variance-preserving schedule read in EDM's terms: a step `t` uniform on
    /// `{minimumStep, …, maximumStep}` of `steps`, with Stable Diffusion's "scaled linear" betas
    /// `β_i = (√β_start + i/(steps−1)·(√β_end − √β_start))²`, `ᾱ_t = Π_{i≤t}(1 − β_i)`, and
    /// `σ = √((1 − ᾱ_t)/ᾱ_t)` (a VP sample `√ᾱ·x + √(1−ᾱ)·ε` is `√ᾱ·(x + σε)`).
    case variancePreserving(betaStart: Float, betaEnd: Float, steps: Int, minimumStep: Int, maximumStep: Int)

    /// EDM's training distribution.
    public static let edm = NoiseDistribution.logNormal(mean: -1.2, std: 1.2, minimum: 0.002, maximum: 80)
    /// DI++'s `ln σ ~ N(−2, 2²)` (Luo, 2024, §C.1) on EDM's range `[0.002, 80]` — not the paper's
    /// `[0.01, 156.6]`, which is PixArt's VP table and beyond what an EDM teacher trained to
    /// σ = 80 has seen (`Documentation/Algorithm.md`). Clipping puts Φ(−2.1) ≈ 1.8% of draws at
    /// 0.002 and 0.07% at 80.
    public static let diPlusPlus = NoiseDistribution.logNormal(mean: -2, std: 2, minimum: 0.002, maximum: 80)
    /// SiD's (Zhou et al., 2024): the Karras ramp capped at `t_max = 800` (σ up to ≈ 24.4), ρ = 7.
    public static let sid = NoiseDistribution.karras(tMax: 800, minimum: 0.002, maximum: 80, rho: 7)
    /// DreamFusion's as threestudio runs it on Stable Diffusion: `t ~ U{20, …, 980}` of 1000
    /// scaled-linear steps (β 0.00085 → 0.012), σ from about 0.14 to 13.0.
    public static let dreamFusion = NoiseDistribution.variancePreserving(betaStart: 0.00085, betaEnd: 0.012, steps: 1000,
                                                                         minimumStep: 20, maximumStep: 980)

    /// `σ_t = √((1 − ᾱ_t)/ᾱ_t)` for every step of a scaled-linear VP schedule.
    public static func variancePreservingSigmas(betaStart: Float, betaEnd: Float, steps: Int) -> [Double] {
        let (a, b) = (Double(betaStart).squareRoot(), Double(betaEnd).squareRoot())
        var alphaBar = 1.0
        return (0..<steps).map { i in
            let root = a + Double(i) / Double(Swift.max(steps - 1, 1)) * (b - a)
            alphaBar *= 1 - root * root
            return ((1 - alphaBar) / alphaBar).squareRoot()
        }
    }

    /// Refuses settings that cannot be drawn from (`path` names the key in errors).
    public func validate(path: String) throws {
        func refuse(_ what: String, _ hint: String) -> ConfigurationError {
            ConfigurationError(location: "configuration, key '\(path)'", what: what, hint: hint)
        }
        switch self {
        case let .logNormal(_, std, minimum, maximum):
            guard std >= 0, minimum > 0, minimum <= maximum else { throw refuse("log-normal with std \(std) on [\(minimum), \(maximum)]", "std ≥ 0 and 0 < minimum ≤ maximum") }
        case let .karras(tMax, minimum, maximum, rho):
            guard tMax > 0, tMax <= 1000, minimum > 0, minimum <= maximum, rho > 0 else {
                throw refuse("Karras ramp with tMax \(tMax), ρ \(rho) on [\(minimum), \(maximum)]", "0 < tMax ≤ 1000, ρ > 0 and 0 < minimum ≤ maximum")
            }
        case let .variancePreserving(betaStart, betaEnd, steps, minimumStep, maximumStep):
            guard betaStart > 0, betaStart <= betaEnd, betaEnd < 1, steps >= 1, minimumStep >= 0, minimumStep <= maximumStep, maximumStep < steps else {
                throw refuse("VP schedule β \(betaStart) → \(betaEnd) over \(steps) steps, t in \(minimumStep)…\(maximumStep)",
                             "0 < betaStart ≤ betaEnd < 1 and 0 ≤ minimumStep ≤ maximumStep < steps, e.g. DreamFusion's 0.00085, 0.012, 1000, 20, 980")
            }
        }
    }

    /// `count` draws.
    public func sample(_ count: Int, rng: inout RandomStream) -> [Float] {
        switch self {
        case let .logNormal(mean, std, minimum, maximum):
            return rng.logNormal(count, mean: mean, std: std).map { Swift.min(Swift.max($0, minimum), maximum) }
        case let .karras(tMax, minimum, maximum, rho):
            return rng.uniform(count).map { u in
                let t = u * tMax / 1000
                let a = Foundation.pow(maximum, 1 / rho), b = Foundation.pow(minimum, 1 / rho)
                return Foundation.pow(a + (1 - t) * (b - a), rho)
            }
        case let .variancePreserving(betaStart, betaEnd, steps, minimumStep, maximumStep):
            let sigmas = Self.variancePreservingSigmas(betaStart: betaStart, betaEnd: betaEnd, steps: steps)
            let span = Float(maximumStep - minimumStep + 1)
            return rng.uniform(count).map { u in Float(sigmas[minimumStep + Swift.min(Int(u * span), maximumStep - minimumStep)]) }
        }
    }

    /// `E[f(σ)]` by quadrature (the closed-form tests need it): Gauss–Hermite-free, a fine
    /// midpoint rule over the clipped distribution, with the clipped mass at the bounds.
    public func expectation(_ f: (Double) -> Double, points: Int = 20_000) -> Double {
        switch self {
        case let .logNormal(mean, std, minimum, maximum):
            // Integrate over z = (ln σ − mean)/std ∈ [−8, 8] with the normal density.
            let (m, s) = (Double(mean), Double(std))
            var total = 0.0, mass = 0.0
            let width = 16.0 / Double(points)
            for i in 0..<points {
                let z = -8 + (Double(i) + 0.5) * width
                let density = Foundation.exp(-z * z / 2) / (2 * Double.pi).squareRoot() * width
                let sigma = Swift.min(Swift.max(Foundation.exp(m + s * z), Double(minimum)), Double(maximum))
                total += density * f(sigma)
                mass += density
            }
            return total / mass
        case let .karras(tMax, minimum, maximum, rho):
            var total = 0.0
            for i in 0..<points {
                let t = (Double(i) + 0.5) / Double(points) * Double(tMax) / 1000
                let a = Foundation.pow(Double(maximum), 1 / Double(rho)), b = Foundation.pow(Double(minimum), 1 / Double(rho))
                total += f(Foundation.pow(a + (1 - t) * (b - a), Double(rho)))
            }
            return total / Double(points)
        case let .variancePreserving(betaStart, betaEnd, steps, minimumStep, maximumStep):
            let sigmas = Self.variancePreservingSigmas(betaStart: betaStart, betaEnd: betaEnd, steps: steps)
            return sigmas[minimumStep...maximumStep].reduce(0) { $0 + f($1) } / Double(maximumStep - minimumStep + 1)
        }
    }
}
