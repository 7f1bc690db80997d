import DIPPTensor
import Foundation
import Testing

/// Trilinear grid sampling: exact values at voxel centres and between them, zeros outside, and
/// finite-difference gradients for the grid and the points.
@Suite struct GridSampleGradientTests {
    /// Points in `range`³ whose voxel coordinates on a grid of `size` stay ≥ 0.1 voxel from an
    /// integer (the point gradient jumps there, so central differences must not straddle one).
    static func points(_ count: Int, size: Int, range: ClosedRange<Float> = -1...1, seed: UInt64) -> Tensor {
        var rng = RandomStream(seed: seed)
        var out: [Float] = []
        while out.count < 3 * count {
            let x = rng.uniform(1, in: range)[0]
            let u = (x + 1) / 2 * Float(size - 1)
            if Swift.abs(u - u.rounded()) > 0.1 { out.append(x) }
        }
        return Tensor(shape: [count, 3], storage: out)
    }

    @Test func valuesAtCentresBetweenThemAndOutside() {
        // A [1, 2, 2, 2] grid with value = 4z + 2y + x at voxel (x, y, z): trilinear interpolation
        // of a linear function is exact, so the value at (u, v, w) is 4w + 2v + u.
        let grid = Tensor(shape: [1, 2, 2, 2], storage: (0..<8).map(Float.init))
        let points = Tensor(shape: [4, 3], storage: [-1, -1, -1, 1, 1, 1, 0, 0, 0, 0.5, -0.5, 0])
        let out = Tensor.trilinearSample(grid: grid, points: points).storage
        let expected: [Float] = [0, 7, 3.5, 0.75 + 2 * 0.25 + 4 * 0.5]
        for (a, b) in zip(out, expected) { #expect(Swift.abs(a - b) < 1e-6, "\(out) vs \(expected)") }
        // Beyond the box by one voxel or more, every corner is outside: 0.
        let far = Tensor.trilinearSample(grid: grid, points: Tensor(shape: [2, 3], storage: [3.1, 0, 0, 0, 0, -3.2])).storage
        #expect(far == [0, 0])
    }

    @Test func gradientsInGridAndPoints() {
        let grid = TestInputs.normal([2, 4, 4, 4], seed: 91)
        // Some points reach past the box, where corners drop out.
        let points = Self.points(12, size: 4, range: -1.3...1.3, seed: 92)
        let report = GradientCheck.check([grid, points], epsilon: 2e-3) { Tensor.trilinearSample(grid: $0[0], points: $0[1]) }
        #expect(report.passed, "\(report)")
    }

    /// The plain loop over points, corners and channels that the optimised sampler must equal
    /// bit for bit: values, the grid's gradient and the points' (for upstream `u`).
    static func reference(grid: Tensor, points: Tensor, upstream u: [Float]) -> (values: [Float], grid: [Float], points: [Float]) {
        let (channels, d, h, w) = (grid.shape[0], grid.shape[1], grid.shape[2], grid.shape[3]), plane = d * h * w
        let (g, p, count) = (grid.storage, points.storage, points.shape[0])
        let scale = (Float(w - 1) / 2, Float(h - 1) / 2, Float(d - 1) / 2)
        var (values, gridGrad) = ([Float](repeating: 0, count: count * channels), [Float](repeating: 0, count: g.count))
        var pointGrad = [Float](repeating: 0, count: p.count)
        for i in 0..<count {
            let (x, y, z) = ((p[3 * i] + 1) * scale.0, (p[3 * i + 1] + 1) * scale.1, (p[3 * i + 2] + 1) * scale.2)
            guard [x, y, z].allSatisfy({ $0.isFinite && Swift.abs($0) < 1e6 }) else { continue }   // no corner inside
            let (x0, y0, z0) = (Int(x.rounded(.down)), Int(y.rounded(.down)), Int(z.rounded(.down)))
            let (fx, fy, fz) = (x - Float(x0), y - Float(y0), z - Float(z0))
            for corner in 0..<8 {
                let (cx, cy, cz) = (corner & 1, (corner >> 1) & 1, corner >> 2)
                let (ix, iy, iz) = (x0 + cx, y0 + cy, z0 + cz)
                guard (0..<w).contains(ix), (0..<h).contains(iy), (0..<d).contains(iz) else { continue }
                let (ax, ay, az) = (cx == 1 ? fx : 1 - fx, cy == 1 ? fy : 1 - fy, cz == 1 ? fz : 1 - fz)
                let (sx, sy, sz): (Float, Float, Float) = (cx == 1 ? 1 : -1, cy == 1 ? 1 : -1, cz == 1 ? 1 : -1)
                let (offset, weight) = ((iz * h + iy) * w + ix, ax * ay * az)
                var along: Float = 0
                for c in 0..<channels {
                    values[i * channels + c] += weight * g[c * plane + offset]
                    gridGrad[c * plane + offset] += weight * u[i * channels + c]
                    along += u[i * channels + c] * g[c * plane + offset]
                }
                pointGrad[3 * i] += along * (sx * ay * az) * scale.0
                pointGrad[3 * i + 1] += along * (sy * ax * az) * scale.1
                pointGrad[3 * i + 2] += along * (sz * ax * ay) * scale.2
            }
        }
        return (values, gridGrad, pointGrad)
    }

    @Test func equalsThePlainLoopBitForBit() {
        for (shape, seed) in [([2, 3, 4, 5], UInt64(3)), ([3, 17, 9, 6], 4)] {
            var rng = RandomStream(seed: seed)
            // Random points reaching past the box, and the edge cases: exactly on the faces,
            // non-finite, and finite but far outside.
            var points = rng.uniform(3 * 200, in: -1.3...1.3)
            points += [-1, -1, -1, 1, 1, 1, -1, 0.3, 1, .nan, 0, 0, 0, .infinity, 0, 0, 0, -.infinity, 1e30, 0, 0, -1e30, 0.5, 0.5,
                       -1.5, 0.2, 0.1]   // x one voxel outside when W = 5: u = −1 exactly
            let count = points.count / 3
            let upstream = rng.uniform(count * shape[0], in: -1...1)
            let grid = TestInputs.normal(shape, seed: seed + 10)
            let expected = Self.reference(grid: grid, points: Tensor(shape: [count, 3], storage: points), upstream: upstream)
            // Gradients for both inputs, for the grid alone and for the points alone.
            for (gridNeeds, pointsNeed) in [(true, true), (true, false), (false, true)] {
                let g = Tensor(shape: shape, storage: grid.storage, requiresGrad: gridNeeds)
                let p = Tensor(shape: [count, 3], storage: points, requiresGrad: pointsNeed)
                let out = Tensor.trilinearSample(grid: g, points: p)
                #expect(out.storage == expected.values, "values, grid \(shape)")
                let wanted = [g, p].filter(\.requiresGrad)
                let grads = Tensor.gradients(of: out, withRespectTo: wanted, seed: upstream)
                if gridNeeds { #expect(grads[0].storage == expected.grid, "grid gradient, grid \(shape)") }
                if pointsNeed { #expect(grads.last!.storage == expected.points, "point gradient, grid \(shape)") }
            }
        }
    }
}
