/// Trilinear interpolation of a voxel grid at continuous points (what volume rendering reads a
/// field with; PyTorch's `grid_sample` in 3-D with `align_corners=True`, zeros outside).
extension Tensor {
    /// Samples `grid` `[C, D, H, W]` at `points` `[P, 3]`, giving `[P, C]`.
    ///
    /// A point `(x, y, z) ∈ [−1, 1]³` sits at the continuous voxel index
    /// `u = (x + 1)/2·(W − 1)`, `v = (y + 1)/2·(H − 1)`, `w = (z + 1)/2·(D − 1)`; its value is
    /// `Σ_corners (1 − |u − u_c|)(1 − |v − v_c|)(1 − |w − w_c|)·grid[:, w_c, v_c, u_c]` over the
    /// 8 surrounding voxels, a corner outside the grid counting as 0 (so the field fades to 0
    /// within one voxel outside the box).
    ///
    /// VJP: the grid gets each output gradient scatter-added with the same weights; a point gets
    /// `∂/∂x = Σ_c g_c · Σ_corners ∂weight/∂u · grid · (W − 1)/2` (likewise for y, z) — the field's
    /// spatial gradient, piecewise constant between voxel centres.
    ///
    /// The forward pass runs over chunks of points in parallel; the backward pass is one serial
    /// loop, so the grid's scatter-added gradient is summed in the same order for any thread count.
    public static func trilinearSample(grid: Tensor, points: Tensor) -> Tensor {
        precondition(grid.rank == 4, "trilinearSample: the grid must be [C, D, H, W], got \(grid.shape)")
        precondition(points.rank == 2 && points.shape[1] == 3, "trilinearSample: points must be [P, 3], got \(points.shape)")
        let lattice = TrilinearLattice(depth: grid.shape[1], height: grid.shape[2], width: grid.shape[3])
        let (channels, pointCount, plane) = (grid.shape[0], points.shape[0], lattice.plane)
        let g = grid.storage, p = points.storage

        let out = [Float](unsafeUninitializedCapacity: pointCount * channels) { buffer, initialised in
            let o = buffer.baseAddress!
            g.withUnsafeBufferPointer { gp in
                p.withUnsafeBufferPointer { pp in
                    Parallel.forEachChunk(pointCount, elementsPerItem: 8 * channels) { range in
                        for i in range {
                            let row = o + i * channels
                            let s = lattice.stencil(pp[3 * i], pp[3 * i + 1], pp[3 * i + 2])
                            // Outside corners have weight 0 at offset 0; skipping them keeps a
                            // non-finite voxel 0 out of every point near the border.
                            let all = s.insideMask == 0xFF
                            for c in 0..<channels {
                                let channel = gp.baseAddress! + c * plane
                                var sum: Float = 0
                                for k in 0..<8 where all || s.inside(k) { sum += s.weights[k] * channel[s.offsets[k]] }
                                row[c] = sum
                            }
                        }
                    }
                }
            }
            initialised = pointCount * channels
        }
        return Tensor.result(shape: [pointCount, channels], storage: out, inputs: [grid, points]) { upstream, needs in
            var gridGrad = [Float](repeating: 0, count: needs[0] ? g.count : 0)
            var pointGrad = [Float](repeating: 0, count: needs[1] ? p.count : 0)
            let scale = lattice.scale
            // The same products in the same order as a plain loop over corners and channels.
            g.withUnsafeBufferPointer { gp in
                p.withUnsafeBufferPointer { pp in
                    upstream.withUnsafeBufferPointer { up in
                        gridGrad.withUnsafeMutableBufferPointer { gg in
                            pointGrad.withUnsafeMutableBufferPointer { pg in
                                let (wantGrid, wantPoints) = (!gg.isEmpty, !pg.isEmpty)
                                for i in 0..<pointCount {
                                    let s = lattice.stencil(pp[3 * i], pp[3 * i + 1], pp[3 * i + 2])
                                    var spatial = SIMD3<Float>.zero
                                    for k in 0..<8 where s.inside(k) {
                                        let offset = s.offsets[k]
                                        if wantGrid {
                                            for c in 0..<channels { gg[c * plane + offset] += s.weights[k] * up[i * channels + c] }
                                        }
                                        if wantPoints {
                                            var along: Float = 0   // Σ_c g_c · grid_c at this corner
                                            for c in 0..<channels { along += up[i * channels + c] * gp[c * plane + offset] }
                                            spatial += along * s.weightDerivative(k) * scale
                                        }
                                    }
                                    if wantPoints { for a in 0..<3 { pg[3 * i + a] = spatial[a] } }
                                }
                            }
                        }
                    }
                }
            }
            return [needs[0] ? gridGrad : nil, needs[1] ? pointGrad : nil]
        }
    }
}

/// The voxel lattice of a `[·, D, H, W]` grid over `[−1, 1]³`: where a point falls and with what
/// weights it reads its 8 surrounding voxels.
struct TrilinearLattice {
    let depth: Int, height: Int, width: Int
    /// Voxels per unit of x, y, z: `((W − 1)/2, (H − 1)/2, (D − 1)/2)`.
    let scale: SIMD3<Float>
    var plane: Int { depth * height * width }

    /// Flat offsets of the 8 corners from the cell's first.
    let cornerOffsets: SIMD8<Int>

    init(depth: Int, height: Int, width: Int) {
        (self.depth, self.height, self.width) = (depth, height, width)
        scale = SIMD3(Float(width - 1), Float(height - 1), Float(depth - 1)) / 2
        let slice = width * height
        cornerOffsets = SIMD8(0, 1, width, width + 1, slice, slice + 1, slice + width, slice + width + 1)
    }

    /// The 8 corners `k` (bits: u, v, w) of the cell holding a point: flat voxel offsets and
    /// weights (0 and 0 for a corner outside the grid), the weights' derivatives along u, v, w;
    /// `inside(k)` is false for corners outside the grid (every corner of a non-finite point).
    struct Stencil {
        let offsets: SIMD8<Int>
        let fraction: SIMD3<Float>
        let weights: SIMD8<Float>
        let insideMask: UInt8

        @inline(__always) func inside(_ k: Int) -> Bool { insideMask & (1 << k) != 0 }
        /// Per axis `f` for the far corner, `1 − f` for the near one.
        @inline(__always) func factors(_ k: Int) -> SIMD3<Float> {
            let far = SIMD3<Float>(Float(k & 1), Float((k >> 1) & 1), Float(k >> 2))
            return far * fraction + (1 - far) * (1 - fraction)
        }
        @inline(__always) func weightDerivative(_ k: Int) -> SIMD3<Float> {
            let a = factors(k), sign = SIMD3<Float>(Float(2 * (k & 1) - 1), Float(2 * ((k >> 1) & 1) - 1), Float(2 * (k >> 2) - 1))
            return sign * SIMD3(a.y * a.z, a.x * a.z, a.x * a.y)
        }
    }

    @inline(__always) func stencil(_ x: Float, _ y: Float, _ z: Float) -> Stencil {
        let position = (SIMD3(x, y, z) + 1) * scale
        let strides = SIMD3(1, width, width * height)
        // Non-finite, or so far outside that no corner is inside (and `Int(_:)` stays safe).
        let size = SIMD3(width, height, depth), limit = SIMD3<Float>(size)
        guard all(position .>= -1), all(position .< limit) else {
            return Stencil(offsets: .zero, fraction: .zero, weights: .zero, insideMask: 0)
        }
        let floor = position.rounded(.down), f = position - floor
        let cell = SIMD3(Int(floor.x), Int(floor.y), Int(floor.z))
        // Weights (1 − f or f per axis), products taken u·v, then ·w.
        let (wu, wv, ww) = (SIMD2(1 - f.x, f.x), SIMD2(1 - f.y, f.y), SIMD2(1 - f.z, f.z))
        let uv = SIMD4(wu.x * wv.x, wu.y * wv.x, wu.x * wv.y, wu.y * wv.y)
        let weights = SIMD8(lowHalf: uv * ww.x, highHalf: uv * ww.y)
        let base = (cell &* strides).wrappedSum()
        if all(cell .>= 0) && all(cell &+ 1 .< size) {
            return Stencil(offsets: base &+ cornerOffsets, fraction: f, weights: weights, insideMask: 0xFF)
        }
        // A cell on the border: the corners outside get weight 0 at offset 0.
        var (offsets, kept, mask) = (base &+ cornerOffsets, weights, UInt8(0))
        for k in 0..<8 {
            let corner = cell &+ SIMD3(k & 1, (k >> 1) & 1, k >> 2)
            if all(corner .>= 0) && all(corner .< size) { mask |= 1 << k } else { (offsets[k], kept[k]) = (0, 0) }
        }
        return Stencil(offsets: offsets, fraction: f, weights: kept, insideMask: mask)
    }
}
