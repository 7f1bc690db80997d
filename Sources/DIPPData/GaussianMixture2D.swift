import DIPPTensor
import Foundation

/// The 2-D toy: `k` isotropic Gaussians with means evenly spaced on a circle.
/// Default: 8 modes on a circle of radius 4, standard deviation 0.3, equal weights;
/// the class of a point is its component.
public struct GaussianMixture2D: Sendable, Codable, Equatable {
    public var modes: Int = 8
    public var radius: Float = 4
    public var standardDeviation: Float = 0.3

    public init(modes: Int = 8, radius: Float = 4, standardDeviation: Float = 0.3) {
        self.modes = modes
        self.radius = radius
        self.standardDeviation = standardDeviation
    }

    /// Mean of component `k`: `r·(cos 2πk/K, sin 2πk/K)`.
    public func mean(_ k: Int) -> (Float, Float) {
        let angle = 2 * Float.pi * Float(k) / Float(modes)
        return (radius * Foundation.cos(angle), radius * Foundation.sin(angle))
    }

    /// `count` points with balanced classes (`i mod K`), drawn from `rng`.
    public func sample(_ count: Int, rng: inout RandomStream) -> LabeledDataset {
        let noise = rng.normal(2 * count)
        var values = [Float](repeating: 0, count: 2 * count)
        let labels = (0..<count).map { $0 % modes }
        for i in 0..<count {
            let (mx, my) = mean(labels[i])
            values[2 * i] = mx + standardDeviation * noise[2 * i]
            values[2 * i + 1] = my + standardDeviation * noise[2 * i + 1]
        }
        return LabeledDataset(name: "gmm2d", values: values, labels: labels, sampleShape: [2], imageSize: nil,
                              classNames: (0..<modes).map { "mode \($0)" }, evaluator: "mode-coverage")
    }
}
