import DIPPTensor
import Testing

/// Finite-difference checks of conv2d and upsampling; forward values against direct loops and
/// PyTorch's documented bilinear convention.
@Suite struct ConvolutionGradientTests {
    static let convCases: [([Int], [Int], Int, Int)] = [
        ([2, 3, 5, 5], [4, 3, 3, 3], 1, 1),
        ([1, 2, 5, 6], [3, 2, 3, 3], 2, 0),
        ([1, 1, 4, 4], [1, 1, 1, 1], 1, 0),
        ([1, 2, 3, 3], [2, 2, 2, 2], 2, 1),
    ]

    @Test(arguments: convCases)
    func conv2dGradient(_ c: ([Int], [Int], Int, Int)) {
        let report = GradientCheck.check([TestInputs.normal(c.0, seed: 71), TestInputs.normal(c.1, seed: 72)]) {
            $0[0].conv2d($0[1], stride: c.2, padding: c.3)
        }
        #expect(report.passed, "\(c): \(report)")
    }

    @Test(arguments: convCases)
    func conv2dMatchesDirectLoops(_ c: ([Int], [Int], Int, Int)) {
        let x = TestInputs.normal(c.0, seed: 73), w = TestInputs.normal(c.1, seed: 74)
        let y = x.conv2d(w, stride: c.2, padding: c.3)
        let (n, ch, h, wd) = (c.0[0], c.0[1], c.0[2], c.0[3])
        let (o, kh, kw) = (c.1[0], c.1[2], c.1[3])
        let (oh, ow) = (y.shape[2], y.shape[3])
        var maxError: Float = 0
        for b in 0..<n { for oc in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
            var acc: Float = 0
            for ic in 0..<ch { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * c.2 - c.3 + ky, ix = ox * c.2 - c.3 + kx
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                acc += x.storage[((b * ch + ic) * h + iy) * wd + ix] * w.storage[((oc * ch + ic) * kh + ky) * kw + kx]
            } } }
            maxError = max(maxError, Swift.abs(acc - y.storage[((b * o + oc) * oh + oy) * ow + ox]))
        } } } }
        #expect(maxError < 1e-4)
    }

    @Test(arguments: [1, 2, 3])
    func nearestGradient(_ factor: Int) {
        let report = GradientCheck.check([TestInputs.normal([1, 2, 3, 2], seed: 75)]) { $0[0].upsampledNearest(factor: factor) }
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [(5, 7), (2, 3), (1, 1), (8, 8)])
    func bilinearGradient(_ size: (Int, Int)) {
        let report = GradientCheck.check([TestInputs.normal([2, 1, 3, 4], seed: 76)]) {
            $0[0].upsampledBilinear(height: size.0, width: size.1)
        }
        #expect(report.passed, "\(size): \(report)")
    }

    @Test func upsamplingValues() {
        let x = Tensor(shape: [1, 1, 2, 2], storage: [1, 2, 3, 4])
        #expect(x.upsampledNearest(factor: 2).storage == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        // torch.nn.functional.interpolate(x, size=(4,4), mode="bilinear", align_corners=False)
        #expect(x.upsampledBilinear(height: 4, width: 4).storage == [
            1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4,
        ])
    }
}
