import DIPPNN
import DIPPTensor
import DIPPText
import Foundation
import Testing

/// Central-difference checks of what CLIP adds: the differentiable preprocessing (up- and
/// downscaling, grey and RGB), quick-GELU, the causal text tower, and the reward-side gradient
/// `∂(cos(f_I(x), f_T))/∂x` through the whole vision tower.
@Suite struct CLIPGradientTests {
    static let folder = CLIPParityTests.fixtures.appendingPathComponent("quick-gelu-p4-s16-legacy")

    static func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomStream(seed: seed, .gradientCheck)
        return Tensor(shape: shape, storage: rng.normal(Shape.count(shape)).map { $0 * 0.5 })
    }

    @Test(arguments: [[2, 1, 5, 5], [1, 3, 7, 7], [1, 3, 23, 23]])
    func preprocessing(_ shape: [Int]) {
        let p = CLIPImagePreprocessor(size: 9, mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.25])
        let report = GradientCheck.check([Self.input(shape, seed: 3)]) { p($0[0], channels: shape[1], height: shape[2], width: shape[3]) }
        #expect(report.passed, "\(shape): \(report)")
    }

    /// Each output pixel's taps sum to 1 (a constant image stays constant), on up- and downscaling.
    @Test func resamplingPreservesConstants() {
        let p = CLIPImagePreprocessor(size: 10, mean: [0, 0, 0], std: [1, 1, 1])
        for side in [3, 10, 17, 40] {
            let out = p(Tensor(shape: [1, 1, side, side], storage: [Float](repeating: 0.2, count: side * side)), channels: 1, height: side, width: side)
            #expect(out.storage.allSatisfy { abs($0 - 0.6) < 1e-6 }, "side \(side)")
        }
    }

    @Test func causalTextTowerAndQuickGELU() throws {
        let model = try CLIPModel(folder: Self.folder, trainable: true)
        let layer = model.text.layers[0]
        #expect(layer.activation == .quickGELU)
        let x = Self.input([2, 5, model.configuration.text.hiddenSize], seed: 5)
        let report = GradientCheck.check([x]) { layer($0[0], keyMask: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0], causal: true) }
        #expect(report.passed, "\(report)")
        let weights = GradientCheck.checkInPlace([layer.fc1.weight, layer.query.weight, layer.norm1.scale], elementsPerInput: 12) {
            layer(x, keyMask: nil, causal: true)
        }
        #expect(weights.passed, "\(weights)")
    }

    /// `∂/∂x` of `100·cos(f_I(x), f_T)` for 6×6 grey images (upscaled to the model's 16).
    @Test func clipScoreGradientReachesTheImage() throws {
        let model = try CLIPModel(folder: Self.folder)
        let text = withoutGradients { CLIPModel.normalized(model.textFeatures(["a handwritten seven", "zero"])) }
        let report = GradientCheck.check([Self.input([2, 1, 6, 6], seed: 9)], epsilon: 5e-3) {
            (CLIPModel.normalized(model.imageFeatures(images: $0[0], channels: 1, height: 6, width: 6)) * text).sum(axis: 1) * 100
        }
        #expect(report.passed, "\(report)")
    }
}
