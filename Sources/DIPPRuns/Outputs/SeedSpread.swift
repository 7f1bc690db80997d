import DIPPTensor
import Foundation

/// A figure measured over several seeds: mean, sample standard deviation and a 95% confidence
/// interval for the mean (Student's t with n − 1 degrees of freedom). Documents quote
/// `mean ± sd` with `n`; a difference smaller than the spread is not a finding.
public struct SeedSpread: Codable, Sendable, Equatable {
    public let values: [Double]

    public init(_ values: [Double]) { self.values = values }

    public var count: Int { values.count }
    public var mean: Double { Statistics.mean(values) }

    /// Sample standard deviation (`n − 1` in the denominator; 0 for one value).
    public var standardDeviation: Double { Statistics.sampleStandardDeviation(values) }

    /// Half-width of the 95% confidence interval of the mean: `t_{0.975, n−1}·sd/√n`.
    public var confidenceHalfWidth: Double {
        guard values.count > 1 else { return .nan }
        return Self.studentT975(degreesOfFreedom: values.count - 1) * standardDeviation / Double(values.count).squareRoot()
    }

    /// `"97.9 ± 0.4"` with `digits` decimals.
    public func formatted(_ digits: Int) -> String {
        String(format: "%.\(digits)f ± %.\(digits)f", mean, standardDeviation)
    }

    /// `"[97.1, 98.6]"`: the 95% confidence interval of the mean.
    public func interval(_ digits: Int) -> String {
        String(format: "[%.\(digits)f, %.\(digits)f]", mean - confidenceHalfWidth, mean + confidenceHalfWidth)
    }

    /// `t_{0.975, ν}` (two-sided 95%) for ν = 1…30, then the normal 1.96.
    static func studentT975(degreesOfFreedom nu: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        return nu >= 1 && nu <= table.count ? table[nu - 1] : 1.96
    }
}
