import DIPPTensor

/// Differentiable volume rendering of a field in the box `[−1, 1]³` (NeRF quadrature), built
/// from tensor ops so every step is on the tape.
///
/// Each ray `x(t) = o + t·d` is cut to its slab intersection `[t_near, t_far]` with the box and
/// sampled at the centres of `N` equal bins, `δ = (t_far − t_near)/N` (a ray that misses the box
/// gets `δ = 0`: it sees only the background). With densities `σ_k ≥ 0` and colours
/// `c_k ∈ [0, 1]³`:
/// `α_k = 1 − exp(−σ_k δ)`, `T_k = exp(−Σ_{j<k} σ_j δ)` (the exclusive cumulative product of
/// `1 − α`, computed as an exclusive running sum in log space — no division by `1 − α`),
/// `w_k = T_k α_k`, opacity `O = Σ_k w_k`, colour `C = Σ_k w_k c_k + (1 − O)·background`.
/// Bin centres, not stratified draws: renders are deterministic for a camera, which the
/// generator contract (no random stream inside `g_θ`) asks for.
public struct VolumeRenderer: Sendable, Codable, Equatable {
    /// Square images of `imageSize × imageSize` pixels.
    public var imageSize: Int = 16
    public var samplesPerRay: Int = 32
    /// The camera rig: every camera sits at this distance with this vertical field of view.
    public var cameraDistance: Float = 3
    public var fieldOfView: Float = 0.7
    /// Background grey level in [0, 1] (1 = white).
    public var background: Float = 1

    public init(imageSize: Int = 16, samplesPerRay: Int = 32, cameraDistance: Float = 3, fieldOfView: Float = 0.7, background: Float = 1) {
        (self.imageSize, self.samplesPerRay, self.cameraDistance, self.fieldOfView, self.background) =
            (imageSize, samplesPerRay, cameraDistance, fieldOfView, background)
    }

    /// The sample points of a batch of cameras: `points` `[B·R·N, 3]` (R = pixels, N = samples
    /// per ray, ray-major), `deltas` `[B, R, N]` and the unit ray directions `[B, R, 3]` (constants).
    public struct RaySamples {
        public let cameraCount: Int
        public let points: Tensor
        public let deltas: Tensor
        public let directions: Tensor
    }

    /// The camera of a condition vector on this rig.
    public func camera(conditionVector v: ArraySlice<Float>) -> Camera {
        Camera(conditionVector: v, distance: cameraDistance, fieldOfView: fieldOfView)
    }

    /// Bin-centre samples of every pixel's ray inside the box.
    public func samples(_ cameras: [Camera]) -> RaySamples {
        let r = imageSize * imageSize, n = samplesPerRay
        var points = [Float](repeating: 0, count: cameras.count * r * n * 3)
        var deltas = [Float](repeating: 0, count: cameras.count * r * n)
        var directions = [Float](repeating: 0, count: cameras.count * r * 3)
        for (b, camera) in cameras.enumerated() {
            let o = camera.origin
            for (ray, d) in camera.rayDirections(height: imageSize, width: imageSize).enumerated() {
                for a in 0..<3 { directions[3 * (b * r + ray) + a] = d[a] }
                let base = (b * r + ray) * n
                guard let (near, far) = Self.boxInterval(origin: o, direction: d) else {
                    for k in 0..<n { for a in 0..<3 { points[3 * (base + k) + a] = o[a] } }   // δ = 0: unseen
                    continue
                }
                let delta = (far - near) / Float(n)
                for k in 0..<n {
                    let x = o + (near + (Float(k) + 0.5) * delta) * d
                    for a in 0..<3 { points[3 * (base + k) + a] = x[a] }
                    deltas[base + k] = delta
                }
            }
        }
        return RaySamples(cameraCount: cameras.count, points: Tensor(shape: [cameras.count * r * n, 3], storage: points),
                          deltas: Tensor(shape: [cameras.count, r, n], storage: deltas),
                          directions: Tensor(shape: [cameras.count, r, 3], storage: directions))
    }

    /// `[t_near, t_far]` of the ray inside `[−1, 1]³` (slab method), `nil` when it misses.
    package static func boxInterval(origin o: SIMD3<Float>, direction d: SIMD3<Float>) -> (Float, Float)? {
        var (near, far): (Float, Float) = (0, .infinity)
        for a in 0..<3 {
            if Swift.abs(d[a]) < 1e-9 {
                if Swift.abs(o[a]) > 1 { return nil }
                continue
            }
            let (t1, t2) = ((-1 - o[a]) / d[a], (1 - o[a]) / d[a])
            near = Swift.max(near, Swift.min(t1, t2))
            far = Swift.min(far, Swift.max(t1, t2))
        }
        return far > near ? (near, far) : nil
    }

    /// What a render returns: the image `[B, 3, H, W]` in [0, 1], the opacity `[B, H·W]` and
    /// each sample's compositing weight `w_k` `[B, H·W, N]`.
    public struct Rendering {
        public let image: Tensor
        public let opacity: Tensor
        public let weights: Tensor
    }

    /// Composites densities `[B, R, N]` and colours `[B, R, N, 3]` along each ray.
    public func composite(density: Tensor, colour: Tensor, deltas: Tensor) -> Rendering {
        let (b, r, n) = (deltas.shape[0], deltas.shape[1], deltas.shape[2])
        precondition(density.shape == [b, r, n] && colour.shape == [b, r, n, 3], "composite: density \(density.shape), colour \(colour.shape)")
        let opticalDepth = density * deltas
        let alpha = 1 - (Tensor(0) - opticalDepth).exp()
        let transmittance = (Tensor(0) - opticalDepth.cumulativeSum(axis: 2, exclusive: true)).exp()
        let weights = transmittance * alpha
        let opacity = weights.sum(axis: 2)
        let rgb = (weights.reshaped([b, r, n, 1]) * colour).sum(axis: 2) + (1 - opacity).reshaped([b, r, 1]) * background
        return Rendering(image: rgb.permuted([0, 2, 1]).reshaped([b, 3, imageSize, imageSize]), opacity: opacity, weights: weights)
    }

    /// Renders a field — a function from points `[P, 3]` to density `[P]` and colour `[P, 3]` —
    /// from each camera.
    public func render(_ cameras: [Camera], field: (Tensor) -> (density: Tensor, colour: Tensor)) -> Rendering {
        render(samples(cameras), field: field)
    }

    /// Renders a field at samples already drawn (``samples(_:)``).
    public func render(_ s: RaySamples, field: (Tensor) -> (density: Tensor, colour: Tensor)) -> Rendering {
        let (b, r, n) = (s.cameraCount, imageSize * imageSize, samplesPerRay)
        let (density, colour) = field(s.points)
        return composite(density: density.reshaped([b, r, n]), colour: colour.reshaped([b, r, n, 3]), deltas: s.deltas)
    }

    /// Renders a grid `[4, G, G, G]` of activated values (density, then RGB), read trilinearly.
    public func render(_ cameras: [Camera], grid: Tensor) -> Rendering {
        render(cameras) { points in
            let values = Tensor.trilinearSample(grid: grid, points: points)
            let parts = values.split(axis: 1, sizes: [1, 3])
            return (parts[0], parts[1])
        }
    }
}
