import DIPPData
import DIPPTensor
import Foundation

/// Metrics for the 2-D mixture: how many samples land on their class's mode, which modes are
/// covered, and the maximum mean discrepancy to real data.
public struct ModeReport: Codable, Sendable {
    /// Fraction of samples within 3σ (σ = the mixture's component std) of their class's mode.
    public var fractionNearOwnMode: Double
    /// Per mode: the fraction of that mode's samples (by condition) that landed within 3σ of it.
    public var perModeFraction: [Double]
    /// Whether every mode holds at least half of its expected share of near-mode samples.
    public var everyModeCovered: Bool
    /// Unbiased MMD² with a Gaussian kernel of bandwidth 1 (in data units) to real samples.
    public var mmd: Double
    /// Spread around the own mode, `√(mean ‖x − μ_c‖²/2)` over the samples within 3σ — the
    /// per-coordinate std, 0.3 for the data. Catches mode *collapse*, which the fractions miss.
    public var withinModeStd: Double
}

public enum PointCloudMetrics {
    /// Evaluates 2-D `samples` (`[N, 2]`) generated for `labels` against `mixture` and `reference` data.
    public static func evaluate(samples: [Float], labels: [Int], mixture: GaussianMixture2D, reference: [Float]) -> ModeReport {
        let n = labels.count
        let radius = 3 * mixture.standardDeviation
        var near = [Int](repeating: 0, count: mixture.modes), total = [Int](repeating: 0, count: mixture.modes)
        var squared = 0.0
        for i in 0..<n {
            let (mx, my) = mixture.mean(labels[i])
            let (dx, dy) = (samples[2 * i] - mx, samples[2 * i + 1] - my)
            total[labels[i]] += 1
            if (dx * dx + dy * dy).squareRoot() <= radius {
                near[labels[i]] += 1
                squared += Double(dx * dx + dy * dy)
            }
        }
        let perMode = zip(near, total).map { $1 == 0 ? 0 : Double($0) / Double($1) }
        let fraction = Double(near.reduce(0, +)) / Double(max(n, 1))
        let covered = zip(near, total).allSatisfy { $1 == 0 || Double($0) >= 0.5 * Double($1) }
        let nearCount = near.reduce(0, +)
        return ModeReport(fractionNearOwnMode: fraction, perModeFraction: perMode, everyModeCovered: covered,
                          mmd: mmd(samples, reference, dimension: 2, bandwidth: 1),
                          withinModeStd: nearCount == 0 ? 0 : (squared / Double(2 * nearCount)).squareRoot())
    }

    /// Without conditions: each sample belongs to its nearest mode. Returns how many modes hold at
    /// least half of their share (`n/K`) of samples within 3σ, and the spread around the nearest
    /// mode (`√(mean ‖x − μ‖²/2)` over samples within 3σ; the data's is the component std).
    /// A mode-seeking method covers few modes, or all of them with a spread far below the data's.
    public static func unconditional(samples: [Float], mixture: GaussianMixture2D) -> (modesCovered: Int, spread: Double) {
        let n = samples.count / 2, k = mixture.modes
        let radius = 3 * mixture.standardDeviation
        var near = [Int](repeating: 0, count: k), squared = 0.0
        for i in 0..<n {
            let distances = (0..<k).map { m -> Float in
                let (mx, my) = mixture.mean(m)
                let (dx, dy) = (samples[2 * i] - mx, samples[2 * i + 1] - my)
                return (dx * dx + dy * dy).squareRoot()
            }
            let best = distances.indices.min { distances[$0] < distances[$1] }!
            if distances[best] <= radius {
                near[best] += 1
                squared += Double(distances[best] * distances[best])
            }
        }
        let covered = near.filter { Double($0) >= 0.5 * Double(n) / Double(k) }.count
        let total = near.reduce(0, +)
        return (covered, total == 0 ? 0 : (squared / Double(2 * total)).squareRoot())
    }

    /// Unbiased MMD² between two sets of `dimension`-vectors with `k(x,y) = exp(−‖x−y‖²/(2h²))`.
    public static func mmd(_ a: [Float], _ b: [Float], dimension d: Int, bandwidth h: Double) -> Double {
        let (n, m) = (a.count / d, b.count / d)
        func k(_ x: [Float], _ i: Int, _ y: [Float], _ j: Int) -> Double {
            var s = 0.0
            for t in 0..<d { let diff = Double(x[i * d + t]) - Double(y[j * d + t]); s += diff * diff }
            return Foundation.exp(-s / (2 * h * h))
        }
        var xx = 0.0, yy = 0.0, xy = 0.0
        for i in 0..<n { for j in 0..<n where j != i { xx += k(a, i, a, j) } }
        for i in 0..<m { for j in 0..<m where j != i { yy += k(b, i, b, j) } }
        for i in 0..<n { for j in 0..<m { xy += k(a, i, b, j) } }
        return xx / Double(n * (n - 1)) + yy / Double(m * (m - 1)) - 2 * xy / Double(n * m)
    }
}
