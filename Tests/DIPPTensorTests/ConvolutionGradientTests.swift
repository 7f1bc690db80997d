import DIPPTensor
import Foundation
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

    @Test(arguments: convCases)
    func conv2dWithBiasGradient(_ c: ([Int], [Int], Int, Int)) {
        let inputs = [TestInputs.normal(c.0, seed: 85), TestInputs.normal(c.1, seed: 86), TestInputs.normal([c.1[0]], seed: 87)]
        let report = GradientCheck.check(inputs) { $0[0].conv2d($0[1], bias: $0[2], stride: c.2, padding: c.3) }
        #expect(report.passed, "\(c): \(report)")
    }

    /// The bias added by the primitive equals a broadcast add after the convolution, in value
    /// and in all three gradients (fp32 and bf16; in bf16 the bias stays fp32 and its gradient
    /// sums the output gradient rounded to bfloat16, as the backward primitive reads it).
    @Test(arguments: convCases + largeCases, [Compute.Precision.fp32, .bf16])
    func fusedBiasEqualsBroadcastAdd(_ c: ([Int], [Int], Int, Int), _ precision: Compute.Precision) {
        let leaves = [TestInputs.normal(c.0, seed: 88), TestInputs.normal(c.1, seed: 89), TestInputs.normal([c.1[0]], seed: 90)]
        let (a, b) = (leaves.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) },
                      leaves.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) })
        let fused = a[0].conv2d(a[1], bias: a[2], stride: c.2, padding: c.3, precision: precision)
        let separate = b[0].conv2d(b[1], stride: c.2, padding: c.3, precision: precision) + b[2].reshaped([1, c.1[0], 1, 1])
        let g = TestInputs.normal(fused.shape, seed: 91)
        let (ga, gb) = (Tensor.gradients(of: fused, withRespectTo: a, seed: g.storage), Tensor.gradients(of: separate, withRespectTo: b, seed: g.storage))
        func worst(_ x: [Float], _ y: [Float]) -> Float { zip(x, y).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0 }
        #expect(worst(fused.storage, separate.storage) < 1e-5)
        for i in 0..<2 { #expect(worst(ga[i].storage, gb[i].storage) < 1e-4, "\(c) gradient \(i)") }
        let read = precision == .bf16 ? g.storage.map(GEMMTests.bfloat16) : g.storage
        let perChannel = Shape.count(Array(fused.shape[2...]))
        let biasGradient = (0..<c.1[0]).map { o in
            Float((0..<c.0[0]).reduce(0.0) { total, n in
                total + read[(n * c.1[0] + o) * perChannel ..< (n * c.1[0] + o + 1) * perChannel].reduce(0.0) { $0 + Double($1) }
            })
        }
        #expect(worst(ga[2].storage, biasGradient) < 1e-4, "\(c) bias gradient")
    }

    /// Channels-last convolution is the NCHW convolution of the permuted input, permuted back, in
    /// value and in all three gradients (fp32, and bf16 whose rounding is the same elementwise).
    @Test(arguments: convCases + largeCases, [Compute.Precision.fp32, .bf16])
    func channelsLastEqualsPermutedConvolution(_ c: ([Int], [Int], Int, Int), _ precision: Compute.Precision) {
        let leaves = [TestInputs.normal(c.0, seed: 92), TestInputs.normal(c.1, seed: 93), TestInputs.normal([c.1[0]], seed: 94)]
        let (a, b) = (leaves.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) },
                      leaves.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) })
        let last = a[0].permuted([0, 2, 3, 1]).conv2d(a[1], bias: a[2], stride: c.2, padding: c.3, channelsLast: true, precision: precision)
            .permuted([0, 3, 1, 2])
        let first = b[0].conv2d(b[1], bias: b[2], stride: c.2, padding: c.3, precision: precision)
        #expect(last.shape == first.shape)
        let g = TestInputs.normal(first.shape, seed: 95)
        let (ga, gb) = (Tensor.gradients(of: last, withRespectTo: a, seed: g.storage), Tensor.gradients(of: first, withRespectTo: b, seed: g.storage))
        func worst(_ x: [Float], _ y: [Float]) -> Float { zip(x, y).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0 }
        #expect(worst(last.storage, first.storage) < 1e-5)
        for i in 0..<3 { #expect(worst(ga[i].storage, gb[i].storage) < 1e-4, "\(c) \(precision) gradient \(i)") }
    }

    @Test(arguments: convCases)
    func channelsLastGradient(_ c: ([Int], [Int], Int, Int)) {
        let inputs = [TestInputs.normal([c.0[0], c.0[2], c.0[3], c.0[1]], seed: 96), TestInputs.normal(c.1, seed: 97),
                      TestInputs.normal([c.1[0]], seed: 98)]
        let report = GradientCheck.check(inputs) { $0[0].conv2d($0[1], bias: $0[2], stride: c.2, padding: c.3, channelsLast: true) }
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

    /// A primitive created on one thread runs on another with the same results. oneDNN's default
    /// scratchpad for its GEMM-based convolutions (chosen for the bf16 backward-weights pass of
    /// small shapes like this one) belongs to the *thread that created the primitive*: run from
    /// another thread, the primitive wrote through that thread's buffer (absent or too small) and
    /// corrupted the heap. The primitives now take their scratchpad from the caller (user mode).
    /// Each call runs on a fresh thread; the shape is this test's alone, so the first call
    /// creates the primitives.
    @Test(arguments: [Compute.Precision.fp32, .bf16])
    func primitiveRunsOnAnotherThreadThanItsCreator(_ precision: Compute.Precision) {
        let (x, w, b) = (TestInputs.normal([2, 3, 6, 5], seed: 96), TestInputs.normal([4, 3, 3, 3], seed: 97), TestInputs.normal([4], seed: 98))
        let g = TestInputs.normal([2, 4, 6, 5], seed: 99)
        func forwardAndBackward() -> [[Float]] {
            let leaves = [x, w, b].map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) }
            let y = leaves[0].conv2d(leaves[1], bias: leaves[2], padding: 1, precision: precision)
            return [y.storage] + Tensor.gradients(of: y, withRespectTo: leaves, seed: g.storage).map(\.storage)
        }
        func onFreshThread() -> [[Float]] {
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: [[Float]] = []
            nonisolated(unsafe) let body = forwardAndBackward
            Thread { result = body(); done.signal() }.start()
            done.wait()
            return result
        }
        let (creator, other) = (onFreshThread(), onFreshThread())
        #expect(creator.count == 4 && other.count == 4)
        for (i, (a, c)) in zip(creator, other).enumerated() {
            #expect(a.count == c.count && zip(a, c).allSatisfy { Swift.abs($0 - $1) <= 1e-5 * (1 + Swift.abs($0)) }, "output \(i)")
        }
    }

    /// Winograd F(4×4, 3×3) on shapes it takes (fp32, 3×3, stride 1, channels multiples of 16),
    /// both layouts: the output and all three gradients against a Double-precision direct sum,
    /// beside the direct kernels' own error on the same sums. Scale: each tensor's largest
    /// magnitude. (On a CPU without oneDNN's Winograd kernels both are direct.)
    @Test(arguments: [false, true])
    func winogradMatchesTheExactConvolution(_ channelsLast: Bool) {
        let (n, c, h, o) = (2, 32, 12, 16)
        let x = TestInputs.normal([n, c, h, h], seed: 100), w = TestInputs.normal([o, c, 3, 3], seed: 101)
        let b = TestInputs.normal([o], seed: 102), g = TestInputs.normal([n, o, h, h], seed: 103)
        // Exact (Double) y = conv(x, w) + b, ∂x = convᵀ(g, w), ∂w = corr(x, g), ∂b = Σ g; NCHW.
        var y = [Double](repeating: 0, count: n * o * h * h), gx = [Double](repeating: 0, count: x.count)
        var gw = [Double](repeating: 0, count: w.count), gb = [Double](repeating: 0, count: o)
        for s in 0..<n { for oc in 0..<o { for oy in 0..<h { for ox in 0..<h {
            let out = ((s * o + oc) * h + oy) * h + ox, gv = Double(g.storage[out])
            var acc = Double(b.storage[oc])
            gb[oc] += gv
            for ic in 0..<c { for ky in 0..<3 { for kx in 0..<3 {
                let (iy, ix) = (oy - 1 + ky, ox - 1 + kx)
                guard iy >= 0, iy < h, ix >= 0, ix < h else { continue }
                let (xi, wi) = (((s * c + ic) * h + iy) * h + ix, ((oc * c + ic) * 3 + ky) * 3 + kx)
                acc += Double(x.storage[xi]) * Double(w.storage[wi])
                gx[xi] += gv * Double(w.storage[wi])
                gw[wi] += gv * Double(x.storage[xi])
            } } }
            y[out] = acc
        } } } }
        let toLast = { (t: Tensor) in channelsLast ? t.permuted([0, 2, 3, 1]) : t }
        let fromLast = { (t: Tensor) in channelsLast ? t.permuted([0, 3, 1, 2]) : t }
        func run(_ algorithm: Compute.ConvolutionAlgorithm) -> [[Float]] {
            let leaves = [toLast(x), w, b].map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) }
            let out = leaves[0].conv2d(leaves[1], bias: leaves[2], padding: 1, channelsLast: channelsLast, precision: .fp32, algorithm: algorithm)
            let grads = Tensor.gradients(of: out, withRespectTo: leaves, seed: toLast(g).storage)
            return [fromLast(out).storage, fromLast(grads[0]).storage, grads[1].storage, grads[2].storage]
        }
        func relativeErrors(_ got: [[Float]]) -> [Double] {
            zip(got, [y, gx, gw, gb]).map { a, e in
                zip(a, e).map { Swift.abs(Double($0) - $1) }.max()! / e.map(Swift.abs).max()!
            }
        }
        let (winograd, direct) = (relativeErrors(run(.winograd)), relativeErrors(run(.direct)))
        for i in 0..<4 { #expect(winograd[i] < 1e-5 && direct[i] < 1e-5, "output \(i): Winograd \(winograd[i]), direct \(direct[i])") }
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

    @Test(arguments: [1, 2, 3])
    func nearestChannelsLastGradient(_ factor: Int) {
        let report = GradientCheck.check([TestInputs.normal([2, 3, 2, 3], seed: 99)]) { $0[0].upsampledNearestChannelsLast(factor: factor) }
        #expect(report.passed, "\(report)")
    }

    /// Channels-last nearest upsampling is the NCHW one on the permuted tensor, exactly, in value
    /// and gradient (the large case is split across threads).
    @Test(arguments: [[2, 5, 4, 7], [4, 64, 16, 16]])
    func nearestChannelsLastEqualsPermuted(_ shape: [Int]) {
        let leaf = TestInputs.normal(shape, seed: 100)
        let (a, b) = (Tensor(shape: shape, storage: leaf.storage, requiresGrad: true), Tensor(shape: shape, storage: leaf.storage, requiresGrad: true))
        let last = a.permuted([0, 2, 3, 1]).upsampledNearestChannelsLast(factor: 2).permuted([0, 3, 1, 2])
        let first = b.upsampledNearest(factor: 2)
        #expect(last.shape == [shape[0], shape[1], 2 * shape[2], 2 * shape[3]] && last.storage == first.storage)
        let g = TestInputs.normal(first.shape, seed: 110)
        let (ga, gb) = (Tensor.gradients(of: last, withRespectTo: [a], seed: g.storage), Tensor.gradients(of: first, withRespectTo: [b], seed: g.storage))
        #expect(zip(ga[0].storage, gb[0].storage).allSatisfy { Swift.abs($0 - $1) <= 1e-5 * (1 + Swift.abs($1)) })
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
