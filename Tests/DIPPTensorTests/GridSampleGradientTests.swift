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
}
