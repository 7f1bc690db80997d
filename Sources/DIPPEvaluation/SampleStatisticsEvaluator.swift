import DIPPData
import DIPPTensor
import Foundation

extension LabeledDataset {
    /// At most its first 2 000 samples, row-major: what the point evaluators and the quality
    /// probe compare generated samples with.
    public var evaluationReference: [Float] { Array(values.prefix(dimension * 2000)) }
}

/// What ``SampleStatisticsEvaluator`` measures.
public struct StatisticsReport: Codable, Sendable, Equatable {
    /// `√(mean_j (x̄_j − ȳ_j)²)`: the root-mean-square gap between the samples' and the held-out
    /// data's per-dimension means.
    public var meanGap: Double
    /// `mean_j s_x,j / mean_j s_y,j`: the samples' spread relative to the data's (1 is right).
    public var standardDeviationRatio: Double
    /// MMD² to held-out data with a Gaussian kernel of bandwidth `√d · s̄_y` (``PointCloudMetrics/mmd(_:_:dimension:bandwidth:)``).
    public var mmd: Double
}

/// Any data, no model of it assumed: per-dimension moments and MMD² against held-out samples
/// (at most 2 000 of each). The default for data without classes or without images.
public struct SampleStatisticsEvaluator: SampleEvaluator {
    public let heldOut: LabeledDataset

    public init(heldOut: LabeledDataset) { self.heldOut = heldOut }

    /// The kernel bandwidth `√d · s̄` for `reference`, `s̄` the mean over dimensions of the
    /// per-dimension sample standard deviation (at least 10⁻⁶).
    public static func bandwidth(_ reference: [Float], dimension d: Int) -> Double {
        Swift.max(Double(d).squareRoot() * meanStandardDeviation(reference, dimension: d), 1e-6)
    }

    static func meanStandardDeviation(_ values: [Float], dimension d: Int) -> Double {
        (0..<d).reduce(0.0) { $0 + Statistics.sampleStandardDeviation(column(values, $1, dimension: d)) } / Double(Swift.max(d, 1))
    }

    static func column(_ v: [Float], _ j: Int, dimension d: Int) -> [Float] { stride(from: j, to: v.count, by: d).map { v[$0] } }

    public func evaluate(samples: Tensor, labels: [Int], into report: inout EvaluationReport) throws {
        let d = heldOut.dimension
        let x = Array(samples.storage.prefix(d * 2000)), y = heldOut.evaluationReference
        let gap = (0..<d).reduce(0.0) { sum, j in
            let delta = Statistics.mean(Self.column(x, j, dimension: d)) - Statistics.mean(Self.column(y, j, dimension: d))
            return sum + delta * delta
        }
        let spread = Self.meanStandardDeviation(x, dimension: d) / Swift.max(Self.meanStandardDeviation(y, dimension: d), 1e-12)
        report.statistics = StatisticsReport(meanGap: (gap / Double(d)).squareRoot(), standardDeviationRatio: spread,
                                             mmd: PointCloudMetrics.mmd(x, y, dimension: d, bandwidth: Self.bandwidth(y, dimension: d)))
    }
}
