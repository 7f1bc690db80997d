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
    public static func trilinearSample(grid: Tensor, points: Tensor) -> Tensor {
        precondition(grid.rank == 4, "trilinearSample: the grid must be [C, D, H, W], got \(grid.shape)")
        precondition(points.rank == 2 && points.shape[1] == 3, "trilinearSample: points must be [P, 3], got \(points.shape)")
        let (channels, depth, height, width) = (grid.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
        let pointCount = points.shape[0], plane = depth * height * width
        let g = grid.storage, p = points.storage
        let scale = (Float(width - 1) / 2, Float(height - 1) / 2, Float(depth - 1) / 2)

        /// The 8 corners of point `i`: flat voxel offsets (−1 outside) and their weights, with
        /// each weight's derivative along u, v and w.
        func corners(_ i: Int, _ body: (_ offset: Int, _ weight: Float, _ du: Float, _ dv: Float, _ dw: Float) -> Void) {
            let u = (p[3 * i] + 1) * scale.0, v = (p[3 * i + 1] + 1) * scale.1, w = (p[3 * i + 2] + 1) * scale.2
            guard u.isFinite, v.isFinite, w.isFinite else { return }
            let (u0, v0, w0) = (Int(u.rounded(.down)), Int(v.rounded(.down)), Int(w.rounded(.down)))
            let (fu, fv, fw) = (u - Float(u0), v - Float(v0), w - Float(w0))
            for corner in 0..<8 {
                let (cu, cv, cw) = (corner & 1, (corner >> 1) & 1, corner >> 2)
                let (iu, iv, iw) = (u0 + cu, v0 + cv, w0 + cw)
                guard (0..<width).contains(iu), (0..<height).contains(iv), (0..<depth).contains(iw) else { continue }
                let (au, av, aw) = (cu == 1 ? fu : 1 - fu, cv == 1 ? fv : 1 - fv, cw == 1 ? fw : 1 - fw)
                let (su, sv, sw): (Float, Float, Float) = (cu == 1 ? 1 : -1, cv == 1 ? 1 : -1, cw == 1 ? 1 : -1)
                body((iw * height + iv) * width + iu, au * av * aw, su * av * aw, au * sv * aw, au * av * sw)
            }
        }

        var out = [Float](repeating: 0, count: pointCount * channels)
        for i in 0..<pointCount {
            corners(i) { offset, weight, _, _, _ in
                for c in 0..<channels { out[i * channels + c] += weight * g[c * plane + offset] }
            }
        }
        return Tensor.result(shape: [pointCount, channels], storage: out, inputs: [grid, points]) { upstream, needs in
            var gridGrad: [Float]? = needs[0] ? [Float](repeating: 0, count: g.count) : nil
            var pointGrad: [Float]? = needs[1] ? [Float](repeating: 0, count: p.count) : nil
            for i in 0..<pointCount {
                corners(i) { offset, weight, du, dv, dw in
                    var along: Float = 0   // Σ_c g_c · grid_c at this corner
                    for c in 0..<channels {
                        let gc = upstream[i * channels + c]
                        gridGrad?[c * plane + offset] += weight * gc
                        along += gc * g[c * plane + offset]
                    }
                    if pointGrad != nil {
                        pointGrad![3 * i] += along * du * scale.0
                        pointGrad![3 * i + 1] += along * dv * scale.1
                        pointGrad![3 * i + 2] += along * dw * scale.2
                    }
                }
            }
            return [gridGrad, pointGrad]
        }
    }
}
