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
    /// U-Net shapes (values only: too many elements for central differences).
    static let largeCases: [([Int], [Int], Int, Int)] = [
        ([3, 16, 14, 14], [32, 16, 3, 3], 2, 1),
        ([2, 8, 28, 28], [8, 8, 3, 3], 1, 1),
        ([2, 33, 7, 7], [5, 33, 1, 1], 1, 0),
    ]

    @Test(arguments: convCases)
    func conv2dGradient(_ c: ([Int], [Int], Int, Int)) {
        let report = GradientCheck.check([TestInputs.normal(c.0, seed: 71), TestInputs.normal(c.1, seed: 72)]) {
            $0[0].conv2d($0[1], stride: c.2, padding: c.3)
        }
        #expect(report.passed, "\(c): \(report)")
    }

    @Test(arguments: convCases + largeCases)
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

    /// bf16 convolutions (forward, backward data, backward weights) equal fp32 convolutions of
    /// the inputs rounded to bfloat16, up to fp32 accumulation.
    @Test(arguments: convCases + largeCases)
    func bf16ConvolutionIsTheRoundedInputsConvolution(_ c: ([Int], [Int], Int, Int)) {
        let x = TestInputs.normal(c.0, seed: 82), w = TestInputs.normal(c.1, seed: 83)
        let rounded = { (t: Tensor) in Tensor(shape: t.shape, storage: t.storage.map(GEMMTests.bfloat16), requiresGrad: true) }
        let (xv, wv) = (Tensor(shape: x.shape, storage: x.storage, requiresGrad: true), Tensor(shape: w.shape, storage: w.storage, requiresGrad: true))
        let (xr, wr) = (rounded(x), rounded(w))
        let y = xv.conv2d(wv, stride: c.2, padding: c.3, precision: .bf16), reference = xr.conv2d(wr, stride: c.2, padding: c.3, precision: .fp32)
        let g = TestInputs.normal(y.shape, seed: 84)
        let grads = Tensor.gradients(of: y, withRespectTo: [xv, wv], seed: g.storage)
        let referenceGrads = Tensor.gradients(of: reference, withRespectTo: [xr, wr], seed: g.storage.map(GEMMTests.bfloat16))
        func worst(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0 }
        #expect(worst(y.storage, reference.storage) < 1e-4, "\(c) forward")
        #expect(worst(grads[0].storage, referenceGrads[0].storage) < 1e-4, "\(c) backward data")
        #expect(worst(grads[1].storage, referenceGrads[1].storage) < 1e-4, "\(c) backward weights")
        // And it is not the fp32 result: rounding changed the values.
        #expect(worst(y.storage, x.conv2d(w, stride: c.2, padding: c.3, precision: .fp32).storage) > 1e-5)
    }

    /// The convolution is bilinear, so its VJPs must pass the dot-product test on shapes too large
    /// for central differences: `⟨g, conv(δx, W)⟩ = ⟨∂x, δx⟩` and `⟨g, conv(x, δW)⟩ = ⟨∂W, δW⟩`.
    @Test(arguments: largeCases)
    func conv2dBackwardPassesTheDotProductTest(_ c: ([Int], [Int], Int, Int)) {
        let x = TestInputs.normal(c.0, seed: 77), w = TestInputs.normal(c.1, seed: 78)
        let (dx, dw) = (TestInputs.normal(c.0, seed: 79), TestInputs.normal(c.1, seed: 80))
        let xv = Tensor(shape: x.shape, storage: x.storage, requiresGrad: true), wv = Tensor(shape: w.shape, storage: w.storage, requiresGrad: true)
        let y = xv.conv2d(wv, stride: c.2, padding: c.3)
        let g = TestInputs.normal(y.shape, seed: 81)
        let grads = Tensor.gradients(of: y, withRespectTo: [xv, wv], seed: g.storage)
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        let lhsX = dot(g.storage, dx.conv2d(w, stride: c.2, padding: c.3).storage), rhsX = dot(grads[0].storage, dx.storage)
        let lhsW = dot(g.storage, x.conv2d(dw, stride: c.2, padding: c.3).storage), rhsW = dot(grads[1].storage, dw.storage)
        #expect(Swift.abs(lhsX - rhsX) <= 1e-4 * Swift.max(1, Swift.abs(lhsX)), "∂x: \(lhsX) vs \(rhsX)")
        #expect(Swift.abs(lhsW - rhsW) <= 1e-4 * Swift.max(1, Swift.abs(lhsW)), "∂W: \(lhsW) vs \(rhsW)")
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
