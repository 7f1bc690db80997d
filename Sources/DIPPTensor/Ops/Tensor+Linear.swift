import CDIPPBackend

/// A dense layer as one operation: `z = x·W + b`, optionally followed by SiLU, `y = z·σ(z)`.
///
/// The same values as `silu(x.matmul(W) + b)`, in fewer passes over memory: after the GEMM one
/// pass adds the bias and applies SiLU (keeping `z` and `σ(z)`), and in the backward one pass
/// forms `∂z = g·σ(1 + z(1 − σ))` and the bias gradient `Σ_rows ∂z` together, before the two
/// GEMMs `∂x = ∂z·Wᵀ`, `∂W = xᵀ·∂z`. The bias gradient sums fixed blocks of rows, each in row
/// order, then the blocks in order, so it does not depend on the thread count. With the bf16
/// backend, `x`, `W` and `∂z` are each rounded to bfloat16 once for the products they enter.
/// When no gradient can flow (``withoutGradients``, or no tracked input), the pass applies the
/// bias and SiLU in place and keeps nothing: the same values, one buffer instead of three.
extension Tensor {
    /// Rows per block of the bias gradient's partial sums.
    static let biasGradientBlockRows = 128

    /// `x·W + b` (`applyingSiLU`: `silu(x·W + b)`) for `x` of shape `[…, k]`, `W` `[k, n]`, `b` `[n]`.
    public func linear(_ weight: Tensor, bias: Tensor?, applyingSiLU silu: Bool = false) -> Tensor {
        precondition(weight.rank == 2 && rank >= 1 && shape[rank - 1] == weight.shape[0],
                     "linear: input \(shape) does not fit weight \(weight.shape)")
        precondition(bias.map { $0.shape == [weight.shape[1]] } ?? true, "linear: bias \(bias?.shape ?? []) does not fit weight \(weight.shape)")
        if bias == nil && !silu { return matmul(weight) }
        let (k, n) = (weight.shape[0], weight.shape[1])
        let m = count / Swift.max(k, 1)
        let (x, w, b) = (storage, weight.storage, bias?.storage)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        let outShape = Array(shape.dropLast()) + [n]
        let tracked = GradMode.isEnabled && inputs.contains { $0.isTracked }
        let gemm = Compute.gemm
        let (xo, wo) = (GEMMOperand(x, gemm, reused: tracked), GEMMOperand(w, gemm, reused: tracked))
        var z = GEMMOperand.multiply(xo, wo, gemm, m: m, n: n, k: k)
        if !tracked {
            // No gradient goes through: SiLU in place, nothing kept for a backward pass.
            z.withUnsafeMutableBufferPointer { pz in
                Parallel.forEachChunk(m, elementsPerItem: n) { rows in
                    guard !rows.isEmpty, n > 0 else { return }
                    withOptionalPointer(b) { pb in
                        let (rowsZ, count) = (pz.baseAddress! + rows.lowerBound * n, Int64(rows.count))
                        if silu { dipp_bias_silu_in_place(rowsZ, pb, count, Int64(n)) } else { dipp_bias_silu(rowsZ, pb, nil, nil, count, Int64(n)) }
                    }
                }
            }
            return Tensor(shape: outShape, storage: z)
        }
        var y = silu ? Tensor.uninitialized(m * n) : []
        var sigma = silu ? Tensor.uninitialized(m * n) : []
        z.withUnsafeMutableBufferPointer { pz in
            y.withUnsafeMutableBufferPointer { py in
                sigma.withUnsafeMutableBufferPointer { ps in
                    Parallel.forEachChunk(m, elementsPerItem: n) { rows in
                        guard !rows.isEmpty, n > 0 else { return }
                        let offset = rows.lowerBound * n
                        withOptionalPointer(b) { pb in
                            dipp_bias_silu(pz.baseAddress! + offset, pb, silu ? py.baseAddress! + offset : nil,
                                           silu ? ps.baseAddress! + offset : nil, Int64(rows.count), Int64(n))
                        }
                    }
                }
            }
        }
        let (pre, sig) = (z, sigma)
        return Tensor.result(shape: outShape, storage: silu ? y : z, inputs: inputs) { g, needed in
            let needsBias = needed.count > 2 && needed[2]
            // Without SiLU, ∂z is g itself: the pass only sums the bias gradient.
            var gz = silu ? Tensor.uninitialized(g.count) : []
            var biasGradient: [Float]? = needsBias ? [Float](repeating: 0, count: n) : nil
            if silu || needsBias, !g.isEmpty {
                let blockRows = Tensor.biasGradientBlockRows, blocks = (m + blockRows - 1) / blockRows
                var partials = [Float](repeating: 0, count: needsBias ? blocks * n : 0)
                pre.withUnsafeBufferPointer { pz in
                    sig.withUnsafeBufferPointer { ps in
                        g.withUnsafeBufferPointer { pg in
                            gz.withUnsafeMutableBufferPointer { pgz in
                                partials.withUnsafeMutableBufferPointer { pp in
                                    let out = silu ? pgz.baseAddress! : UnsafeMutablePointer(mutating: pg.baseAddress!)
                                    Parallel.forEachChunk(blocks, elementsPerItem: blockRows * n) { range in
                                        for block in range {
                                            let rows = Swift.min(blockRows, m - block * blockRows), offset = block * blockRows * n
                                            dipp_bias_silu_backward(pz.baseAddress! + offset, silu ? ps.baseAddress! + offset : nil,
                                                                    pg.baseAddress! + offset, out + offset,
                                                                    needsBias ? pp.baseAddress! + block * n : nil, Int64(rows), Int64(n))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                if needsBias {
                    var sum = [Float](repeating: 0, count: n)
                    for block in 0..<blocks {
                        for j in 0..<n { sum[j] += partials[block * n + j] }
                    }
                    biasGradient = sum
                }
            }
            if !silu { gz = g }
            let gzo = GEMMOperand(gz, gemm, reused: needed[0] && needed[1])
            return [needed[0] ? GEMMOperand.multiply(gzo, wo, gemm, m: m, n: k, k: n, transposeB: true) : nil,
                    needed[1] ? GEMMOperand.multiply(xo, gzo, gemm, m: k, n: n, k: m, transposeA: true) : nil] +
                (bias == nil ? [] : [biasGradient])
        }
    }

    /// A buffer of `count` values every one of which the caller writes before reading.
    static func uninitialized(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}

/// A matrix as `gemm` reads it: its fp32 values and, with the bf16 backend when the matrix
/// enters more than one product (`reused`), those values rounded to bfloat16 once for all of
/// them (the same results as rounding on each call, which the kernel does otherwise).
private struct GEMMOperand {
    let fp32: [Float]
    let bf16: [UInt16]?

    init(_ values: [Float], _ gemm: any GEMMBackend, reused: Bool) {
        fp32 = values
        bf16 = reused ? (gemm as? OneDNNBF16GEMM)?.rounded(values) : nil
    }

    /// `op(a)·op(b)` (`m×k` · `k×n`) on `gemm`.
    static func multiply(_ a: GEMMOperand, _ b: GEMMOperand, _ gemm: any GEMMBackend, m: Int, n: Int, k: Int,
                         transposeA: Bool = false, transposeB: Bool = false) -> [Float] {
        if let bf16 = gemm as? OneDNNBF16GEMM, let a16 = a.bf16, let b16 = b.bf16 {
            return bf16.multiplyRounded(a16, b16, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        }
        return gemm.multiply(a.fp32, b.fp32, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    }
}

/// Calls `body` with a pointer to `values`' storage, or `nil` without values.
private func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
