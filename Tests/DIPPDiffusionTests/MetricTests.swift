import DIPPData
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import Foundation
import Testing

/// Fréchet distance and MMD against closed forms.
@Suite struct MetricTests {
    /// The classifier trains through the shared checked gradient step: a NaN in the data stops
    /// it with the step named, instead of a classifier of NaN weights.
    @Test func classifierTrainingStopsOnANonFiniteGradient() {
        var values = [Float](repeating: 0.5, count: 8 * 4)
        values[5] = .nan
        let data = LabeledDataset(name: "nan", values: values, labels: [0, 1, 0, 1, 0, 1, 0, 1], sampleShape: [4], imageSize: nil,
                                  classNames: ["a", "b"])
        #expect {
            _ = try Classifier.train(on: data, configuration: .init(hidden: [4], epochs: 1, batchSize: 8))
        } throws: { error in
            (error as? NonFiniteValueError)?.location == "classifier training, epoch 1, batch 1"
        }
    }

    @Test func frechetDistanceClosedForm() {
        // Commuting (diagonal) covariances: FD = ‖μ₁−μ₂‖² + Σ(√a_i − √b_i)².
        let fd = FrechetDistance.distance(mean1: [0, 1], covariance1: [4, 0, 0, 1], mean2: [1, 1], covariance2: [1, 0, 0, 9])
        #expect(Swift.abs(fd - (1 + 1 + 4)) < 1e-9)
        // A full covariance against itself: 0.
        let s = [2.0, 0.5, 0.1, 0.5, 1.0, 0.3, 0.1, 0.3, 0.7]
        #expect(Swift.abs(FrechetDistance.distance(mean1: [1, 2, 3], covariance1: s, mean2: [1, 2, 3], covariance2: s)) < 1e-9)
        // Scaling: Σ₂ = 4Σ₁ → Tr(Σ₁ + 4Σ₁ − 2·2Σ₁) = Tr Σ₁.
        let scaled = s.map { 4 * $0 }
        #expect(Swift.abs(FrechetDistance.distance(mean1: [0, 0, 0], covariance1: s, mean2: [0, 0, 0], covariance2: scaled) - 3.7) < 1e-9)
    }

    @Test func sampleStatisticsAndMMD() {
        var rng = RandomStream(seed: 8)
        let a = rng.normal(2 * 3000), b = rng.normal(2 * 3000)
        let shifted = rng.normal(2 * 3000).map { $0 + 2 }
        #expect(FrechetDistance.distance(a, b, dimension: 2) < 0.05)
        // FD = ‖(2,2)‖² = 8 up to sampling error (std ≈ 0.15 at n = 3000).
        #expect(Swift.abs(FrechetDistance.distance(a, shifted, dimension: 2) - 8) < 0.5)
        #expect(Swift.abs(PointCloudMetrics.mmd(a, b, dimension: 2, bandwidth: 1)) < 0.01)
        #expect(PointCloudMetrics.mmd(a, shifted, dimension: 2, bandwidth: 1) > 0.3)
    }
}
