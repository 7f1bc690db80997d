import CDIPPBackend
import Foundation

/// Normalisation without affine parameters (layers add the scale and shift).
///
/// Over each group of `n` values: `μ = mean(x)`, `v = mean((x − μ)²)`, `x̂ = (x − μ)/√(v + ε)`.
/// VJP: `∂x = (g − mean(g) − x̂·mean(g ⊙ x̂)) / √(v + ε)`.
extension Tensor {
    /// Layer normalisation over the last axis.
    public func layerNormalized(epsilon: Float = 1e-5) -> Tensor {
        precondition(rank >= 1, "layerNormalized needs rank ≥ 1")
        return Tensor.normalizeRows(self, rowLength: shape[rank - 1], epsilon: epsilon)
    }

    /// Group normalisation of `[N, C, …]`: the `C` channels are split into `groups` groups and
    /// each (sample, group) is normalised over its channels and all spatial positions.
    public func groupNormalized(groups: Int, epsilon: Float = 1e-5) -> Tensor {
        precondition(rank >= 2 && groups > 0 && shape[1] % groups == 0,
                     "groupNormalized: \(shape[safe: 1] ?? 0) channels do not split into \(groups) groups")
        return Tensor.normalizeRows(self, rowLength: count / (shape[0] * groups), epsilon: epsilon)
    }

    /// Group normalisation of `[N, C, …]` (or `[N, …, C]` with `channelsLast`) with its
    /// per-channel affine map, and SiLU when `applyingSiLU`, in one pass (`dipp_group_norm`,
    /// `dipp_group_norm_last`): per (sample, group), `x̂ = (x − μ)/√(v + ε)`, `z = γ_c·x̂ + β_c`,
    /// `y = z·σ(z)` or `z`. With `offset` (`[N, C]`; channels-last only) it normalises
    /// `x + offset[n, c]` — a per-sample conditioning added at every position — without
    /// writing that sum out.
    /// VJP: `dz = G` (or `G·σ(z)(1 + z(1 − σ(z)))`), `∂β_c = Σ dz`, `∂γ_c = Σ dz·x̂` (over samples
    /// and positions), `∂x = (γ_c·dz − mean(γ·dz) − x̂·mean(γ·dz·x̂))/√(v + ε)` over the group, and
    /// `∂offset[n, c] = Σ ∂x[n, …, c]` over positions.
    /// Equals `groupNormalized(groups:) * γ + β` (then `.silu()`) up to rounding.
    public func groupNormalized(groups: Int, scale: Tensor, shift: Tensor, epsilon: Float = 1e-5, applyingSiLU: Bool = false,
                                channelsLast: Bool = false, offset: Tensor? = nil) -> Tensor {
        let channels = shape[safe: channelsLast ? rank - 1 : 1] ?? 0
        precondition(rank >= 2 && groups > 0 && channels > 0 && channels % groups == 0,
                     "groupNormalized: \(channels) channels do not split into \(groups) groups")
        precondition(scale.shape == [channels] && shift.shape == [channels],
                     "groupNormalized: scale \(scale.shape) and shift \(shift.shape) must be [\(channels)]")
        precondition(offset == nil || (channelsLast && offset!.shape == [shape[0], channels]),
                     "groupNormalized: an offset must be [N, C] = [\(shape[0]), \(channels)], with channels last")
        let n = shape[0]
        let cg = channels / groups, spatial = n * channels == 0 ? 0 : count / (n * channels), pairs = n * groups
        let (xs, gamma, beta, offsets) = (storage, scale.storage, shift.storage, offset?.storage ?? [])
        // Work items: samples (channels last) or (sample, group) pairs.
        let (items, itemSize) = channelsLast ? (n, channels * spatial) : (pairs, cg * spatial)
        var mean = [Float](repeating: 0, count: pairs), rstd = [Float](repeating: 0, count: pairs)
        let y = [Float](unsafeUninitializedCapacity: xs.count) { py, initialized in
            mean.withUnsafeMutableBufferPointer { pm in
                rstd.withUnsafeMutableBufferPointer { pr in
                    offsets.withUnsafeBufferPointer { po in
                        let offsetPointer = offset == nil ? nil : po.baseAddress
                        Parallel.forEachChunk(items, elementsPerItem: itemSize) { r in
                            let (begin, end) = (Int64(r.lowerBound), Int64(r.upperBound))
                            if channelsLast {
                                dipp_group_norm_last(xs, offsetPointer, gamma, beta, py.baseAddress, pm.baseAddress, pr.baseAddress, begin, end,
                                                     Int64(groups), Int64(cg), Int64(spatial), epsilon, applyingSiLU ? 1 : 0)
                            } else {
                                dipp_group_norm(xs, gamma, beta, py.baseAddress, pm.baseAddress, pr.baseAddress, begin, end,
                                                Int64(groups), Int64(cg), Int64(spatial), epsilon, applyingSiLU ? 1 : 0)
                            }
                        }
                    }
                }
            }
            initialized = xs.count
        }
        let (means, inverseStds) = (mean, rstd)
        return Tensor.result(shape: shape, storage: y, inputs: [self, scale, shift] + (offset.map { [$0] } ?? [])) { g, _ in
            var gammaPart = [Float](repeating: 0, count: n * channels), betaPart = gammaPart
            var offsetGradient = [Float](repeating: 0, count: offset == nil ? 0 : n * channels)
            let dx = [Float](unsafeUninitializedCapacity: xs.count) { pdx, initialized in
                gammaPart.withUnsafeMutableBufferPointer { pgp in
                    betaPart.withUnsafeMutableBufferPointer { pbp in
                        offsetGradient.withUnsafeMutableBufferPointer { pog in
                            offsets.withUnsafeBufferPointer { po in
                                let (offsetPointer, offsetGradientPointer) = offset == nil ? (nil, nil) : (po.baseAddress, pog.baseAddress)
                                Parallel.forEachChunk(items, elementsPerItem: itemSize) { r in
                                    let (begin, end) = (Int64(r.lowerBound), Int64(r.upperBound))
                                    if channelsLast {
                                        dipp_group_norm_last_backward(xs, offsetPointer, gamma, beta, means, inverseStds, g, pdx.baseAddress,
                                                                      pgp.baseAddress, pbp.baseAddress, offsetGradientPointer, begin, end,
                                                                      Int64(groups), Int64(cg), Int64(spatial), applyingSiLU ? 1 : 0)
                                    } else {
                                        dipp_group_norm_backward(xs, gamma, beta, means, inverseStds, g, pdx.baseAddress, pgp.baseAddress,
                                                                 pbp.baseAddress, begin, end, Int64(groups), Int64(cg), Int64(spatial),
                                                                 applyingSiLU ? 1 : 0)
                                    }
                                }
                            }
                        }
                    }
                }
                initialized = xs.count
            }
            // Sum the per-sample partials over samples, in sample order.
            func total(_ part: [Float]) -> [Float] {
                (0..<channels).map { c in Float((0..<n).reduce(0.0) { $0 + Double(part[$1 * channels + c]) }) }
            }
            return [dx, total(gammaPart), total(betaPart)] + (offset == nil ? [] : [offsetGradient])
        }
    }

    static func normalizeRows(_ x: Tensor, rowLength n: Int, epsilon: Float) -> Tensor {
        precondition(n > 0, "normalisation over an empty axis")
        let rows = x.count / n
        let xs = x.storage
        var inverseStd = [Float](repeating: 0, count: rows)
        let y = [Float](unsafeUninitializedCapacity: xs.count) { py, initialized in
            xs.withUnsafeBufferPointer { px in
                inverseStd.withUnsafeMutableBufferPointer { pi in
                    Parallel.forEachChunk(rows, elementsPerItem: n) { r in
                        dipp_normalize_rows(px.baseAddress! + r.lowerBound * n, py.baseAddress! + r.lowerBound * n,
                                            pi.baseAddress! + r.lowerBound, Int64(r.count), Int64(n), epsilon)
                    }
                }
            }
            initialized = xs.count
        }
        return result(shape: x.shape, storage: y, inputs: [x]) { g, _ in
            let grad = [Float](unsafeUninitializedCapacity: g.count) { po, initialized in
                y.withUnsafeBufferPointer { py in
                    g.withUnsafeBufferPointer { pg in
                        inverseStd.withUnsafeBufferPointer { pi in
                            Parallel.forEachChunk(rows, elementsPerItem: n) { r in
                                dipp_normalize_rows_backward(py.baseAddress! + r.lowerBound * n, pg.baseAddress! + r.lowerBound * n,
                                                             pi.baseAddress! + r.lowerBound, po.baseAddress! + r.lowerBound * n,
                                                             Int64(r.count), Int64(n))
                            }
                        }
                    }
                }
                initialized = g.count
            }
            return [grad]
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
