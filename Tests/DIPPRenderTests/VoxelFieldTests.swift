import DIPPData
import DIPPDiffusion
import DIPPRender
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// The voxel-field generator: gradients through rendering, its regularisers, the trainer adding
/// them, and the ground-truth fit reaching the shape.
@Suite struct VoxelFieldTests {
    static func conditions(_ cameras: [Camera]) -> Conditions {
        Conditions(count: cameras.count, camera: CameraPose(dimension: 2, values: cameras.flatMap(\.conditionVector)), isNull: [Bool](repeating: false, count: cameras.count))
    }

    static let renderer = VolumeRenderer(imageSize: 4, samplesPerRay: 8)

    @Test func gradientsThroughRenderingAndRegularisers() {
        let field = VoxelFieldGenerator(.init(gridSize: 4, densityScale: 2, opacityEntropyWeight: 0.5, sparsityWeight: 0.3), renderer: Self.renderer)
        let c = Self.conditions([Camera(elevation: 0.3, azimuth: 0.4, distance: 3, fieldOfView: 0.7),
                                 Camera(elevation: 0.8, azimuth: -1.9, distance: 3, fieldOfView: 0.7)])
        let z = Tensor.zeros([2, 1])
        let report = GradientCheck.checkInPlace([field.field], epsilon: 5e-3, elementsPerInput: 60) {
            let (x, terms) = field.generateRegularized(z, conditions: c)
            return Tensor.concat([x.reshaped([x.count])] + terms.map { $0.1.reshaped([1]) }, axis: 0)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func regularisersFollowTheirFormulas() {
        let field = VoxelFieldGenerator(.init(gridSize: 5, opacityEntropyWeight: 2, sparsityWeight: 3), renderer: Self.renderer)
        let c = Self.conditions([Camera(elevation: 0.5, azimuth: 1, distance: 3, fieldOfView: 0.7)])
        let (x, terms) = field.generateRegularized(Tensor.zeros([1, 1]), conditions: c)
        #expect(x.storage == field(Tensor.zeros([1, 1]), conditions: c).storage)
        let o = field.render(c).opacity.storage.map { Double(Swift.min(Swift.max($0, 1e-5), 1 - 1e-5)) }
        let entropy = o.map { -($0 * Foundation.log($0) + (1 - $0) * Foundation.log(1 - $0)) }.reduce(0, +) / Double(o.count)
        let sparsity = o.map { ($0 * $0 + 0.01).squareRoot() }.reduce(0, +) / Double(o.count)
        #expect(terms.map(\.0) == ["loss_opacity_entropy", "loss_sparsity"])
        #expect(Swift.abs(Double(terms[0].1.scalar) - 2 * entropy) < 1e-4)
        #expect(Swift.abs(Double(terms[1].1.scalar) - 3 * sparsity) < 1e-4)
    }

    /// The orientation term's gradient in the field, the compositing weights held constant (as
    /// the term holds them).
    @Test func orientationGradients() {
        let field = VoxelFieldGenerator(.init(gridSize: 4, densityScale: 2, orientationWeight: 1), renderer: Self.renderer)
        field.field.withMutableStorage { raw in
            var rng = RandomStream(seed: 5)
            raw = zip(raw, rng.normal(raw.count)).map { $0 + 0.5 * $1 }   // break the ball's symmetry
        }
        let samples = Self.renderer.samples([Camera(elevation: 0.3, azimuth: 0.4, distance: 3, fieldOfView: 0.7),
                                             Camera(elevation: 0.8, azimuth: -1.9, distance: 3, fieldOfView: 0.7)])
        let weights = withoutGradients { Self.renderer.render(samples, field: field.evaluate).weights }
        let report = GradientCheck.checkInPlace([field.field], epsilon: 2e-3, elementsPerInput: 60) {
            field.orientation(samples, weights: weights).reshaped([1])
        }
        #expect(report.passed, "\(report)")
    }

    /// Orientation: against the formula evaluated point by point (σ through the field's own
    /// queries, the render's weights), and its sign. The field is a wedge: density rising along
    /// +x from x = −0.6 to a wall at x = 0.6, empty beyond. Seen from +x, a ray crosses the wall
    /// (normal +x, facing the camera) into density falling along the ray (normal −x, facing away:
    /// penalised where the weights are); seen from −x, it meets rising density (facing the
    /// camera) and is mostly absorbed before the wall.
    @Test func orientationPenalisesNormalsFacingAwayFromTheCamera() throws {
        let (g, renderer) = (11, VolumeRenderer(imageSize: 5, samplesPerRay: 24))
        let field = VoxelFieldGenerator(.init(gridSize: g, densityScale: 3, orientationWeight: 1), renderer: renderer)
        field.field.withMutableStorage { raw in
            for n in 0..<(g * g * g) {   // the density channel
                let x = Shapes3D.point(n / (g * g), (n / g) % g, n % g, size: g).x
                raw[n] = (-0.61...0.61).contains(x) ? 5 * x : -6
            }
        }
        func term(azimuth: Float) throws -> (tensor: Double, pointwise: Double) {
            let cameras = [Camera(elevation: 0, azimuth: azimuth, distance: 3, fieldOfView: 0.7)]
            let samples = renderer.samples(cameras)
            let weights = renderer.render(samples, field: field.evaluate).weights
            let tensor = Double(field.generateRegularized(Tensor.zeros([1, 1]), conditions: Self.conditions(cameras)).terms[0].1.scalar)
            let (rays, n, h) = (renderer.imageSize * renderer.imageSize, renderer.samplesPerRay, 2 / Float(g - 1))
            var total = 0.0
            for ray in 0..<rays {
                let d = (0..<3).map { samples.directions.storage[3 * ray + $0] }
                for k in 0..<n {
                    let p = (0..<3).map { samples.points.storage[3 * (ray * n + k) + $0] }
                    let gradient = try (0..<3).map { a -> Float in
                        var (plus, minus) = (p, p)
                        (plus[a], minus[a]) = (p[a] + h, p[a] - h)
                        return try (field.field(at: plus).density[0] - field.field(at: minus).density[0]) / (2 * h)
                    }
                    let norm = (gradient.map { $0 * $0 }.reduce(0, +) + 1e-6).squareRoot()
                    let facing = Swift.max(0, zip(gradient, d).map { -$0 * $1 / norm }.reduce(0, +))
                    total += Double(weights.storage[ray * n + k] * facing * facing)
                }
            }
            return (tensor, total / Double(rays))
        }
        let fromPlusX = try term(azimuth: 0), fromMinusX = try term(azimuth: .pi)
        for t in [fromPlusX, fromMinusX] { #expect(Swift.abs(t.tensor - t.pointwise) < 1e-4 * Swift.max(1, t.pointwise), "\(t)") }
        // From −x only the light (T ≈ e^{−3}) that reaches the wall is penalised.
        #expect(fromPlusX.tensor > 0.1 && fromMinusX.tensor < fromPlusX.tensor / 3, "+x \(fromPlusX), −x \(fromMinusX)")
    }

    /// The trainer adds the field's regularisers to the generator loss and logs them.
    @Test func trainerAddsRegularisers() throws {
        let field = VoxelFieldGenerator(.init(gridSize: 4, opacityEntropyWeight: 1), renderer: Self.renderer)
        var configuration = DIPPConfiguration()
        configuration.batchSize = 2
        /// The denoiser of a point mass at grey (0): `D(x) = 0`.
        struct GreyTeacher: ScoreModel {
            var sampleShape: [Int] { [3, 4, 4] }
            func denoise(_ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor { Tensor.zeros(x.shape) }
        }
        let teacher = GreyTeacher()
        struct RandomViews: ConditionSampler {
            func sample(count: Int, rng: inout RandomStream) -> Conditions {
                VoxelFieldTests.conditions((0..<count).map { _ in Shapes3D.randomCamera(VoxelFieldTests.renderer, rng: &rng) })
            }
        }
        let trainer = DIPPTrainer(configuration: configuration, teacher: teacher, generator: field, assistant: .exact { _ in teacher },
                                  divergence: ScoreDistillationSampling(), conditions: RandomViews())
        let metrics = try trainer.trainStep()
        let entropy = try #require(metrics["loss_opacity_entropy"]), divergence = try #require(metrics["loss_divergence"])
        #expect(entropy > 0)
        #expect(Swift.abs(metrics["loss_generator"]! - (divergence + entropy)) < 1e-3 * Swift.max(1, Swift.abs(divergence)))
    }

    /// Fitting the field to ground-truth renders recovers the shape (a small grid and image, so
    /// the bar is below the full-size ceiling's).
    @Test func groundTruthFitRecoversTheShape() throws {
        let renderer = VolumeRenderer(imageSize: 12, samplesPerRay: 24)
        let object = Shapes3D.Object(.cube, .blue)
        let field = try TextTo3D.fitGroundTruth(object, field: VoxelFieldGenerator(.init(gridSize: 12), renderer: renderer), steps: 150, seed: 1)
        func iou(_ f: VoxelFieldGenerator) throws -> Double {
            FieldEvaluation.iou(FieldEvaluation.occupancy(density: try FieldEvaluation.density(f, size: 24), footprint: FieldEvaluation.pixelFootprint(renderer)), Shapes3D.occupancy(.cube, size: 24))
        }
        let (after, before) = (try iou(field), try iou(VoxelFieldGenerator(.init(gridSize: 12), renderer: renderer)))
        #expect(after > 0.6, "IoU \(after)")
        #expect(after > before + 0.2, "the fit improves on the initial ball (\(before) → \(after))")
    }

    /// IoU's ground truth is its density field read as renders read it, thresholded by the
    /// fields' rule: exactly the grid's values at its nodes, and at 16×16 occupied where
    /// `σ_max·sigmoid(−d/ε) > ln 2/ℓ`, i.e. `d < ε·ln(σ_max·ℓ/ln 2 − 1)` (≈ 0.036).
    @Test func groundTruthOccupancyIsItsDensityThresholdedByTheFieldsRule() {
        let g = Shapes3D.fieldSize, renderer = VolumeRenderer()
        let read = FieldEvaluation.groundTruthDensity(.torus, size: g)
        let grid = Shapes3D.field(Shapes3D.Object(.torus, .blue), size: g).storage
        #expect(zip(read, grid).allSatisfy { Swift.abs($0 - $1) <= 1e-3 * Swift.max(1, $1) }, "the nodes read back the grid")
        let footprint = FieldEvaluation.pixelFootprint(renderer)
        let occupied = FieldEvaluation.occupancy(density: read, footprint: footprint)
        let bound = 0.01 * Foundation.log(200 * footprint / Foundation.log(2) - 1)
        #expect(Swift.abs(bound - 0.036) < 0.001)
        for n in 0..<(g * g * g) {
            let d = Shapes3D.Shape.torus.distance(Shapes3D.point(n / (g * g), (n / g) % g, n % g, size: g))
            if Swift.abs(d - bound) > 1e-3 { #expect(occupied[n] == (d < bound), "node \(n): d \(d)") }
        }
    }

    /// Chamfer distance and F-score between two concentric spheres `δ` apart: every point is `δ`
    /// from the other surface (plus the gap between samples), so Chamfer ≈ δ, the F-score ≈ 1
    /// at τ well above δ and 0 below it; identical surfaces score Chamfer ≈ 0 and F ≈ 1. The true
    /// surface of the sphere shape is its `d = 0` level set.
    @Test func chamferAndFScoreOfConcentricSpheres() {
        let g = FieldEvaluation.evaluationSize
        func sphere(_ radius: Float) -> TriangleMesh {
            TriangleMesh.isosurface((0..<(g * g * g)).map { n -> Float in
                let p = Shapes3D.point(n / (g * g), (n / g) % g, n % g, size: g)
                return radius - (p * p).sum().squareRoot()
            }, size: g, level: 0)
        }
        var rng = RandomStream(seed: 1)
        let truth = FieldEvaluation.groundTruthSurface(.sphere, size: g).surfaceSamples(4000, rng: &rng)
        #expect(truth.allSatisfy { Swift.abs(Shapes3D.Shape.sphere.distance($0)) < 0.01 })
        let same = sphere(0.55).surfaceSamples(4000, rng: &rng), larger = sphere(0.65).surfaceSamples(4000, rng: &rng)
        let exact = FieldEvaluation.surfaceAgreement(same, truth, tolerance: 0.05)
        #expect(exact.chamfer! < 0.02 && exact.fScore > 0.99, "\(exact)")
        let off = FieldEvaluation.surfaceAgreement(larger, truth, tolerance: 0.05)
        #expect(Swift.abs(off.chamfer! - 0.1) < 0.015 && off.fScore == 0, "\(off)")
        #expect(FieldEvaluation.surfaceAgreement(larger, truth, tolerance: 0.15).fScore == 1)
        #expect(FieldEvaluation.surfaceAgreement([], truth, tolerance: 0.05) == (nil, 0))
    }
}
