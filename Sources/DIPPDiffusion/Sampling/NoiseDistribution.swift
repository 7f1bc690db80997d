import DIPPTensor
import Foundation

/// A distribution of training noise levels σ, drawn per sample.
public enum NoiseDistribution: Codable, Sendable, Equatable {
    /// `ln σ ~ N(mean, std²)`, clipped to `[minimum, maximum]` (EDM: −1.2, 1.2; DI++: −2, 2).
    case logNormal(mean: Float, std: Float, minimum: Float, maximum: Float)
    /// SiD's capped Karras ramp: `t ~ U[0, tMax/1000]`,
    /// `σ = (σ_max^{1/ρ} + (1−t)(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ`.
    case karras(tMax: Float, minimum: Float, maximum: Float, rho: Float)

    /// EDM's training distribution.
    public static let edm = NoiseDistribution.logNormal(mean: -1.2, std: 1.2, minimum: 0.002, maximum: 80)
    /// DI++'s (Luo, 2024, §A.2): `ln σ ~ N(−2, 2²)` in `[0.002, 80]`.
    public static let diPlusPlus = NoiseDistribution.logNormal(mean: -2, std: 2, minimum: 0.002, maximum: 80)
    /// SiD's (Zhou et al., 2024): the Karras ramp capped at `t_max = 800` (σ up to ≈ 24.4), ρ = 7.
    public static let sid = NoiseDistribution.karras(tMax: 800, minimum: 0.002, maximum: 80, rho: 7)

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
        }
    }
}
