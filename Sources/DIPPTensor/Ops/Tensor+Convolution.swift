/// 2-D convolution (cross-correlation, as in PyTorch) by im2col + GEMM.
///
/// `input [N, C, H, W]`, `weight [O, C, KH, KW]` → `[N, O, H′, W′]` with
/// `H′ = (H + 2·padding − KH)/stride + 1` (likewise `W′`), zero padding.
/// Per image: `cols = im2col(x) ∈ ℝ^{C·KH·KW × H′W′}`, `y = W·cols`.
/// VJP: `∂W = Σ_n G_n·cols_nᵀ`, `∂x_n = col2im(Wᵀ·G_n)`.
extension Tensor {
    /// Convolves `self` (`[N, C, H, W]`) with `weight` (`[O, C, KH, KW]`); no bias.
    public func conv2d(_ weight: Tensor, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(rank == 4 && weight.rank == 4 && weight.shape[1] == shape[1],
                     "conv2d: input \(shape) and weight \(weight.shape) must be [N,C,H,W] and [O,C,KH,KW]")
        precondition(stride >= 1 && padding >= 0, "conv2d: stride must be ≥ 1 and padding ≥ 0")
        let geometry = ConvGeometry(input: shape, kernel: weight.shape, stride: stride, padding: padding)
        let (n, o) = (shape[0], weight.shape[0])
        let (rowsK, cols) = (geometry.patchSize, geometry.outputPixels)
        let gemm = Compute.gemm
        let (x, w) = (storage, weight.storage)
        var columns = [[Float]]()
        var y = [Float]()
        y.reserveCapacity(n * o * cols)
        for i in 0..<n {
            let image = Array(x[(i * geometry.imageSize)..<((i + 1) * geometry.imageSize)])
            let c = geometry.im2col(image)
            y.append(contentsOf: gemm.multiply(w, c, m: o, n: cols, k: rowsK))
            columns.append(c)
        }
        let outShape = [n, o, geometry.outputHeight, geometry.outputWidth]
        return Tensor.result(shape: outShape, storage: y, inputs: [self, weight]) { g, needed in
            var gx: [Float]? = needed[0] ? [] : nil
            var gw: [Float]? = needed[1] ? [Float](repeating: 0, count: w.count) : nil
            for i in 0..<n {
                let gi = Array(g[(i * o * cols)..<((i + 1) * o * cols)])
                if gw != nil {
                    gw = gemm.multiply(gi, columns[i], m: o, n: rowsK, k: cols, transposeB: true, accumulatingInto: gw)
                }
                if gx != nil {
                    let dcols = gemm.multiply(w, gi, m: rowsK, n: cols, k: o, transposeA: true)
                    gx!.append(contentsOf: geometry.col2im(dcols))
                }
            }
            return [gx, gw]
        }
    }
}

/// Index arithmetic of one convolution.
struct ConvGeometry {
    let channels, height, width, kernelHeight, kernelWidth, stride, padding: Int
    let outputHeight, outputWidth: Int

    init(input: [Int], kernel: [Int], stride: Int, padding: Int) {
        (channels, height, width) = (input[1], input[2], input[3])
        (kernelHeight, kernelWidth) = (kernel[2], kernel[3])
        (self.stride, self.padding) = (stride, padding)
        outputHeight = (height + 2 * padding - kernelHeight) / stride + 1
        outputWidth = (width + 2 * padding - kernelWidth) / stride + 1
        precondition(outputHeight > 0 && outputWidth > 0,
                     "conv2d: kernel \(kernelHeight)x\(kernelWidth) does not fit \(height)x\(width) with padding \(padding)")
    }

    var imageSize: Int { channels * height * width }
    var patchSize: Int { channels * kernelHeight * kernelWidth }
    var outputPixels: Int { outputHeight * outputWidth }

    /// Calls `body(row, column, sourceIndex)` for every in-bounds (patch row, output pixel).
    @inline(__always)
    private func forEachTap(_ body: (Int, Int) -> Void) {
        for c in 0..<channels {
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    let row = (c * kernelHeight + ky) * kernelWidth + kx
                    for oy in 0..<outputHeight {
                        let iy = oy * stride - padding + ky
                        guard iy >= 0 && iy < height else { continue }
                        for ox in 0..<outputWidth {
                            let ix = ox * stride - padding + kx
                            guard ix >= 0 && ix < width else { continue }
                            body(row * outputPixels + oy * outputWidth + ox, (c * height + iy) * width + ix)
                        }
                    }
                }
            }
        }
    }

    func im2col(_ image: [Float]) -> [Float] {
        var cols = [Float](repeating: 0, count: patchSize * outputPixels)
        image.withUnsafeBufferPointer { src in
            cols.withUnsafeMutableBufferPointer { dst in forEachTap { dst[$0] = src[$1] } }
        }
        return cols
    }

    func col2im(_ cols: [Float]) -> [Float] {
        var image = [Float](repeating: 0, count: imageSize)
        cols.withUnsafeBufferPointer { src in
            image.withUnsafeMutableBufferPointer { dst in forEachTap { dst[$1] += src[$0] } }
        }
        return image
    }
}
