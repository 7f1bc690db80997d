/// Spatial upsampling of `[N, C, H, W]` tensors.
extension Tensor {
    /// Nearest-neighbour upsampling by an integer `factor`: each pixel becomes a `factor²` block.
    /// VJP: the sum over each block.
    public func upsampledNearest(factor: Int) -> Tensor {
        precondition(rank == 4 && factor >= 1, "upsampledNearest needs [N,C,H,W] and factor ≥ 1")
        let w = shape[3]
        return Tensor.resample(self, outHeight: shape[2] * factor, outWidth: w * factor) { y, x in
            [((y / factor) * w + x / factor, 1)]
        }
    }

    /// Nearest-neighbour upsampling of channels-last `[N, H, W, C]` by an integer `factor`:
    /// `y[n, i, j, :] = x[n, ⌊i/f⌋, ⌊j/f⌋, :]`. VJP: the sum over each `f × f` block.
    public func upsampledNearestChannelsLast(factor f: Int) -> Tensor {
        precondition(rank == 4 && f >= 1, "upsampledNearestChannelsLast needs [N,H,W,C] and factor ≥ 1")
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let x = storage
        let y = [Float](unsafeUninitializedCapacity: x.count * f * f) { out, initialized in
            x.withUnsafeBufferPointer { px in
                // One output row (n, i) per work item: f·W copies of C values.
                Parallel.forEachChunk(n * h * f, elementsPerItem: w * f * c) { rows in
                    for row in rows {
                        let source = px.baseAddress! + (row / (h * f) * h + row % (h * f) / f) * w * c
                        let target = out.baseAddress! + row * w * f * c
                        for j in 0..<(w * f) { (target + j * c).initialize(from: source + j / f * c, count: c) }
                    }
                }
            }
            initialized = x.count * f * f
        }
        return Tensor.result(shape: [n, h * f, w * f, c], storage: y, inputs: [self]) { g, _ in
            let grad = [Float](unsafeUninitializedCapacity: x.count) { out, initialized in
                g.withUnsafeBufferPointer { pg in
                    // One input row (n, i) per work item; each sum in block order.
                    Parallel.forEachChunk(n * h, elementsPerItem: w * f * f * c) { rows in
                        for row in rows {
                            let target = out.baseAddress! + row * w * c
                            target.initialize(repeating: 0, count: w * c)
                            for a in 0..<f {
                                let source = pg.baseAddress! + (row * f + a) * w * f * c
                                for j in 0..<(w * f) {
                                    let t = target + j / f * c, s = source + j * c
                                    for k in 0..<c { t[k] += s[k] }
                                }
                            }
                        }
                    }
                }
                initialized = x.count
            }
            return [grad]
        }
    }

    /// Bilinear upsampling to `height × width`, PyTorch's `align_corners=False` convention:
    /// source coordinate `(d + ½)·(in/out) − ½`, clamped at 0, interpolating the two neighbours
    /// on each axis. VJP: the same weights, transposed.
    public func upsampledBilinear(height oh: Int, width ow: Int) -> Tensor {
        precondition(rank == 4 && oh >= 1 && ow >= 1, "upsampledBilinear needs [N,C,H,W] and a positive size")
        let (h, w) = (shape[2], shape[3])
        func taps(_ d: Int, _ inSize: Int, _ outSize: Int) -> [(Int, Float)] {
            let src = Swift.max((Float(d) + 0.5) * Float(inSize) / Float(outSize) - 0.5, 0)
            let i0 = Swift.min(Int(src), inSize - 1)
            let i1 = Swift.min(i0 + 1, inSize - 1)
            let t = src - Float(i0)
            return [(i0, 1 - t), (i1, t)]
        }
        let rowTaps = (0..<oh).map { taps($0, h, oh) }
        let colTaps = (0..<ow).map { taps($0, w, ow) }
        return Tensor.resample(self, outHeight: oh, outWidth: ow) { y, x in
            rowTaps[y].flatMap { (iy, wy) in colTaps[x].map { (ix, wx) in (iy * w + ix, wy * wx) } }
        }
    }

    /// `out[p, y, x] = Σ weight · in[p, source]` for the `(source, weight)` taps of each output pixel.
    private static func resample(_ input: Tensor, outHeight oh: Int, outWidth ow: Int,
                                 taps: (Int, Int) -> [(Int, Float)]) -> Tensor {
        let planeCount = input.shape[0] * input.shape[1]
        let inPlane = input.shape[2] * input.shape[3]
        let table = (0..<(oh * ow)).map { taps($0 / ow, $0 % ow) }
        let x = input.storage, outPlane = oh * ow
        // Planes are independent: each is resampled (and its gradient gathered) by one thread.
        var y = [Float](repeating: 0, count: planeCount * outPlane)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                Parallel.forEachChunk(planeCount, elementsPerItem: outPlane) { planes in
                    for p in planes {
                        for (o, pixelTaps) in table.enumerated() {
                            var acc: Float = 0
                            for (s, wgt) in pixelTaps { acc += wgt * px[p * inPlane + s] }
                            py[p * outPlane + o] = acc
                        }
                    }
                }
            }
        }
        let inCount = input.count
        return result(shape: [input.shape[0], input.shape[1], oh, ow], storage: y, inputs: [input]) { g, _ in
            var grad = [Float](repeating: 0, count: inCount)
            g.withUnsafeBufferPointer { pg in
                grad.withUnsafeMutableBufferPointer { pgrad in
                    Parallel.forEachChunk(planeCount, elementsPerItem: outPlane) { planes in
                        for p in planes {
                            for (o, pixelTaps) in table.enumerated() {
                                for (s, wgt) in pixelTaps { pgrad[p * inPlane + s] += wgt * pg[p * outPlane + o] }
                            }
                        }
                    }
                }
            }
            return [grad]
        }
    }
}
