import CDIPPBackend

extension Tensor {
    /// Fourier features of the `N` values of `x` (any shape) at the `H` values of `frequencies`
    /// (any shape): `[N, 2H]` with `cos(xᵢ·fⱼ)` in the first `H` columns and `sin(xᵢ·fⱼ)` in the
    /// last. One vectorised pass (`dipp_fourier_features`: sin/cos by Cody–Waite reduction and
    /// Cephes polynomials, absolute error ≈ 1e-7) instead of a product, two libm passes and a
    /// concatenation. Differentiable in both: with `cᵢⱼ`, `sᵢⱼ` the outputs and `g` split the
    /// same way, `∂xᵢ = Σⱼ fⱼ·(cᵢⱼ·gˢⁱⁿᵢⱼ − sᵢⱼ·gᶜᵒˢᵢⱼ)` and `∂fⱼ = Σᵢ xᵢ·(cᵢⱼ·gˢⁱⁿᵢⱼ − sᵢⱼ·gᶜᵒˢᵢⱼ)`.
    public static func fourierFeatures(_ x: Tensor, frequencies: Tensor) -> Tensor {
        let (n, h) = (x.count, frequencies.count)
        let (xs, fs) = (x.storage, frequencies.storage)
        let out = [Float](unsafeUninitializedCapacity: n * 2 * h) { buffer, initialized in
            if n > 0 && h > 0 {
                xs.withUnsafeBufferPointer { px in
                    fs.withUnsafeBufferPointer { pf in
                        Parallel.forEachChunk(n, elementsPerItem: 2 * h) { rows in
                            dipp_fourier_features(px.baseAddress! + rows.lowerBound, pf.baseAddress!,
                                                  buffer.baseAddress! + rows.lowerBound * 2 * h, Int64(rows.count), Int64(h))
                        }
                    }
                }
            }
            initialized = n * 2 * h
        }
        return result(shape: [n, 2 * h], storage: out, inputs: [x, frequencies]) { g, needed in
            // dᵢⱼ = cᵢⱼ·gˢⁱⁿᵢⱼ − sᵢⱼ·gᶜᵒˢᵢⱼ, the derivative along the angle xᵢ·fⱼ.
            var gx = needed[0] ? [Float](repeating: 0, count: n) : nil
            var gf = needed[1] ? [Float](repeating: 0, count: h) : nil
            for i in 0..<n {
                for j in 0..<h {
                    let row = i * 2 * h
                    let d = out[row + j] * g[row + h + j] - out[row + h + j] * g[row + j]
                    gx?[i] += fs[j] * d
                    gf?[j] += xs[i] * d
                }
            }
            return [gx, gf]
        }
    }
}
