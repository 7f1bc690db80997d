import DIPPDiffusion
import DIPPNN
import DIPPRender
import DIPPTensor
import Foundation

/// A 3-D field on a voxel grid as a one-step generator (text-to-3D): `x₀ = g_θ(cam) =
/// render(θ, cam)`, the camera read from the conditions (the latent is unused). Every DI++
/// divergence then applies with the camera inside the condition (`Documentation/TextTo3D.md`).
///
/// θ is one grid `[4, G, G, G]` of raw values over `[−1, 1]³` (threestudio's `volume-grid`):
/// read trilinearly at each ray sample, then activated — density `σ = s·softplus(raw₀)`,
/// colour `sigmoid(raw₁…₃)` — and volume-rendered by ``VolumeRenderer``; the image is mapped to
/// the data range, `x₀ = 2C − 1`. It starts as a fuzzy grey ball (raw density
/// `4(1 − |p|/0.5) − 2`, colour 0.5), so early renders have a silhouette to move.
///
/// Regularisers, weighted by the configuration — on the render's opacity `O` (per pixel):
/// entropy `mean −[O log O + (1 − O) log(1 − O)]` (pushes pixels to empty or opaque) and
/// sparsity `mean √(O² + 0.01)`; and orientation (Ref-NeRF, DreamFusion §3): the mean over rays
/// of `Σ_k sg(w_k)·max(0, n_k·d)²`, which penalises visible surface whose normal
/// `n = −∇σ/|∇σ|` faces away from the camera (`d` the unit ray direction, `w_k` the compositing
/// weights held constant); `∇σ` by central differences with a step of one voxel, `(σ(p + h·e_a) −
/// σ(p − h·e_a))/2h`, `h = 2/(G − 1)` (threestudio's finite-difference normals).
public struct VoxelFieldGenerator: RegularizedGenerator {
    public struct Configuration: Codable, Sendable, Equatable {
        /// `G`: grid nodes per side.
        public var gridSize: Int = 24
        /// `s` in `σ = s·softplus(raw)`.
        public var densityScale: Float = 20
        public var opacityEntropyWeight: Float = 0
        public var sparsityWeight: Float = 0
        public var orientationWeight: Float = 0

        public init(gridSize: Int = 24, densityScale: Float = 20, opacityEntropyWeight: Float = 0, sparsityWeight: Float = 0,
                    orientationWeight: Float = 0) {
            (self.gridSize, self.densityScale, self.opacityEntropyWeight, self.sparsityWeight, self.orientationWeight) =
                (gridSize, densityScale, opacityEntropyWeight, sparsityWeight, orientationWeight)
        }
    }

    public let configuration: Configuration
    public let renderer: VolumeRenderer
    /// `[4, G, G, G]` raw density and colour logits.
    public let field: Tensor

    public init(_ configuration: Configuration, renderer: VolumeRenderer) {
        let g = configuration.gridSize
        precondition(g >= 2, "VoxelFieldGenerator: the grid needs at least 2 nodes per side")
        (self.configuration, self.renderer) = (configuration, renderer)
        var raw = [Float](repeating: 0, count: 4 * g * g * g)
        for n in 0..<(g * g * g) {
            let p = SIMD3(Float(n % g), Float((n / g) % g), Float(n / (g * g))) * (2 / Float(g - 1)) - 1
            raw[n] = 4 * (1 - (p * p).sum().squareRoot() / 0.5) - 2
        }
        field = Tensor(shape: [4, g, g, g], storage: raw, requiresGrad: true)
    }

    public var latentShape: [Int] { [1] }
    public var sampleShape: [Int] { [3, renderer.imageSize, renderer.imageSize] }
    public var namedParameters: [(name: String, tensor: Tensor)] { [("field", field)] }

    /// The activated density and colour at `points` `[P, 3]` (on the tape through ``field``).
    public func evaluate(_ points: Tensor) -> (density: Tensor, colour: Tensor) {
        let raw = Tensor.trilinearSample(grid: field, points: points).split(axis: 1, sizes: [1, 3])
        return (raw[0].softplus() * configuration.densityScale, raw[1].sigmoid())
    }

    /// The activated density alone at `points` `[P, 3]` (`[P, 1]`; the same values as
    /// ``evaluate(_:)``'s, reading one channel of the grid).
    public func density(_ points: Tensor) -> Tensor {
        Tensor.trilinearSample(grid: field.split(axis: 0, sizes: [1, 3])[0], points: points).softplus() * configuration.densityScale
    }

    /// The cameras of `conditions` on the rig of ``renderer``.
    public func cameras(_ conditions: Conditions) -> [Camera] {
        guard let camera = conditions.camera, camera.dimension == 2 else {
            preconditionFailure("VoxelFieldGenerator: the conditions carry no 2-vector camera (azimuth/π, elevation/(π/2))")
        }
        return (0..<camera.count).map { renderer.camera(conditionVector: camera.values[(2 * $0)..<(2 * $0 + 2)]) }
    }

    /// Renders from the cameras of `conditions`.
    public func render(_ conditions: Conditions) -> VolumeRenderer.Rendering {
        renderer.render(cameras(conditions), field: evaluate)
    }

    public func callAsFunction(_ z: Tensor, conditions: Conditions) -> Tensor {
        render(conditions).image * 2 - 1
    }

    public func generateRegularized(_ z: Tensor, conditions: Conditions) -> (sample: Tensor, terms: [(String, Tensor)]) {
        let samples = renderer.samples(cameras(conditions))
        let r = renderer.render(samples, field: evaluate)
        var terms: [(String, Tensor)] = []
        let c = configuration
        if c.opacityEntropyWeight != 0 {
            let o = r.opacity.clamped(min: 1e-5, max: 1 - 1e-5)
            let entropy = Tensor(0) - (o * o.log() + (1 - o) * (1 - o).log()).mean()
            terms.append(("loss_opacity_entropy", entropy * c.opacityEntropyWeight))
        }
        if c.sparsityWeight != 0 {
            terms.append(("loss_sparsity", (r.opacity.square() + 0.01).sqrt().mean() * c.sparsityWeight))
        }
        if c.orientationWeight != 0 {
            terms.append(("loss_orientation", orientation(samples, weights: r.weights) * c.orientationWeight))
        }
        return (r.image * 2 - 1, terms)
    }

    /// The orientation term (see the type's comment): mean over rays of
    /// `Σ_k sg(w_k)·max(0, n_k·d)²`, normals by central differences with a step of one voxel.
    public func orientation(_ samples: VolumeRenderer.RaySamples, weights: Tensor) -> Tensor {
        let (b, r, n) = (weights.shape[0], weights.shape[1], weights.shape[2])
        let h = 2 / Float(configuration.gridSize - 1)
        let gradient = Tensor.concat((0..<3).map { axis in
            var step = [Float](repeating: 0, count: 3)
            step[axis] = h
            let offset = Tensor(shape: [1, 3], storage: step)
            return (density(samples.points + offset) - density(samples.points - offset)) / (2 * h)
        }, axis: 1)
        let normal = (Tensor(0) - gradient) / (gradient.square().sum(axis: 1, keepDims: true) + 1e-6).sqrt()
        let facing = (normal.reshaped([b, r, n, 3]) * samples.directions.reshaped([b, r, 1, 3])).sum(axis: 3).relu()
        return (weights.detached() * facing.square()).sum(axis: 2).mean()
    }
}
