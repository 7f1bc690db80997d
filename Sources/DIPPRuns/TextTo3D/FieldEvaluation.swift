import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPRender
import DIPPTensor
import DiffInstruct
import Foundation

/// How a 3-D field is measured against the `shapes3d` ground truth (`Documentation/TextTo3D.md`):
///
/// - **IoU vs d < 0** (`iouSignedDistance`, the leading shape score): on an evaluation grid of
///   ``evaluationSize``³ nodes, the field's occupancy (below) against the true solid `d(p) < 0`.
/// - **Chamfer distance and F-score** on surfaces (Tatarchenko et al., 2019): ``surfaceSampleCount``
///   points drawn uniformly by area on the field's mesh (below) and on the true surface
///   (`d = 0`, the isosurface of `−d` on the same grid); Chamfer = ½(mean distance from each field
///   point to the nearest true point + the converse), in the box's units (`[−1, 1]³`, objects
///   about 1.1 wide); F-score = 2PR/(P + R) with P the fraction of field points within
///   ``fScoreTolerance`` of a true point and R the converse. A field without a surface has no
///   Chamfer distance and F-score 0.
/// - **IoU (opacity rule)**: on an evaluation grid of ``evaluationSize``³ nodes (finer than the field's own,
///   so the field is read as it renders — raw values interpolated, then activated), a node is
///   occupied when a cube of its density one pixel wide would be more opaque than not,
///   `1 − exp(−σ·ℓ) > ½`, `ℓ = 2r·tan(fov/2)/S` the width of a pixel at the origin (0.137 at
///   16×16): renders cannot place a surface more finely than that, and a field need not be
///   denser than opaque at that width. The ground truth is occupied by the same rule applied to
///   its own density field, the one its renders come from (`σ_max·sigmoid(−d/ε)` read from its
///   grid: occupied where `d` < about 0.036 at 16×16) — one rule for both densities. The mesh is
///   this level set. `iouSignedDistance` is the stricter figure against the shape's `d(p) < 0`:
///   a render-fitted field's threshold surface lies a few hundredths outside `d = 0`, which costs
///   thin shapes most (a torus tube of radius 0.2).
/// - **PSNR** of renders against the ground truth's from the same cameras, on [0, 1] images:
///   `10·log₁₀(1/MSE)`.
/// - **Agreement**: the in-project classifier of all 24 shape–colour pairs (trained on
///   ground-truth renders from random cameras) reads each of the 8 evaluation views; the
///   fractions naming the prompt's shape, its colour, and both.
/// - **Saturation** of the object's pixels (opacity > ½; for a generator that reports no
///   opacity — a plugin — pixels whose darkest channel is below 0.9, the background being white):
///   mean `(max − min)/max` of RGB — SDS's over-saturation shows here, beside the ground truth's.
/// Evaluation views: elevation 30°, azimuths `π/8 + kπ/4` — between the turntable's views.
public struct FieldReport: Codable, Sendable {
    public var prompt: String
    public var shape: String?
    public var colour: String?
    public var iou: Double?
    /// IoU against the shape's `d(p) < 0` on the same nodes.
    public var iouSignedDistance: Double?
    /// Chamfer distance between the field's surface and the true one (box units).
    public var chamfer: Double?
    /// F-score at ``FieldEvaluation/fScoreTolerance``.
    public var fScore: Double?
    public var psnr: Double?
    public var shapeAgreement: Double?
    public var colourAgreement: Double?
    public var agreement: Double?
    public var saturation: Double
    public var groundTruthSaturation: Double?
    /// The agreement classifier's accuracy on ground-truth renders from the evaluation views.
    public var classifierAccuracy: Double?
    /// The mesh's size (voxel fields only).
    public var meshVertices: Int?
    public var meshFaces: Int?
    public var steps: Int?
    public var seconds: Double?
    public var rewardName: String?
    public var initialMeanReward: Double?
    public var meanReward: Double?
}

public enum FieldEvaluation {
    /// The 8 evaluation cameras.
    public static func evaluationCameras(_ renderer: VolumeRenderer) -> [Camera] {
        Camera.turntable(count: 8, elevation: .pi / 6, distance: renderer.cameraDistance, fieldOfView: renderer.fieldOfView, startAzimuth: .pi / 8)
    }

    /// The agreement classifier: 24 classes (`Shapes3D.objects` order), trained once on 150
    /// ground-truth views of every pair and cached in `folder`.
    public static func classifier(renderer: VolumeRenderer, folder: URL) throws -> Classifier {
        // The cache is named by the renders' content, so a change to the data retrains it.
        let data = Shapes3D.dataSet(objects: Shapes3D.objects, views: 150, renderer: renderer, seed: 7)
        return try Classifier.loadOrTrain(on: data, configuration: .init(), folder: folder)
    }

    /// Nodes per side of the grid IoU and the mesh are measured on.
    public static let evaluationSize = 48
    /// Points per surface for the Chamfer distance and the F-score.
    public static let surfaceSampleCount = 4000
    /// τ of the F-score, in the box's units: about a third of a 16×16 render's pixel at the origin.
    public static let fScoreTolerance: Float = 0.05

    /// The true surface of `shape`: the isosurface `d = 0` of its signed distance on a `g³` grid.
    public static func groundTruthSurface(_ shape: Shapes3D.Shape, size g: Int) -> TriangleMesh {
        let p = nodes(size: g)
        return TriangleMesh.isosurface((0..<(g * g * g)).map { -shape.distance(SIMD3(p[3 * $0], p[3 * $0 + 1], p[3 * $0 + 2])) }, size: g, level: 0)
    }

    /// Chamfer distance and F-score at `tolerance` between two point sets (nearest neighbours by
    /// brute force); `nil` Chamfer and F-score 0 when either set is empty.
    public static func surfaceAgreement(_ field: [SIMD3<Float>], _ truth: [SIMD3<Float>], tolerance: Float) -> (chamfer: Double?, fScore: Double) {
        guard !field.isEmpty, !truth.isEmpty else { return (nil, 0) }
        func nearest(_ from: [SIMD3<Float>], _ to: [SIMD3<Float>]) -> [Float] {
            from.map { p in to.reduce(Float.infinity) { best, q in let d = p - q; return Swift.min(best, (d * d).sum()) }.squareRoot() }
        }
        let (toTruth, toField) = (nearest(field, truth), nearest(truth, field))
        let mean = { (d: [Float]) in d.reduce(0.0) { $0 + Double($1) } / Double(d.count) }
        let within = { (d: [Float]) in Double(d.filter { $0 <= tolerance }.count) / Double(d.count) }
        let (precision, recall) = (within(toTruth), within(toField))
        return ((mean(toTruth) + mean(toField)) / 2, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0)
    }

    /// The points of a `g³` grid over the box, z-major, flattened `[g³·3]`.
    public static func nodes(size g: Int) -> [Float] {
        (0..<(g * g * g)).flatMap { n -> [Float] in
            let p = Shapes3D.point(n / (g * g), (n / g) % g, n % g, size: g)
            return [p.x, p.y, p.z]
        }
    }

    /// The field's density at every node of a `g³` grid (z-major), as rendered.
    public static func density(_ field: any RadianceField, size g: Int) throws -> [Float] {
        try field.field(at: nodes(size: g)).density
    }

    /// The density of `shape`'s ground-truth field at every node of a `g³` grid, read from its
    /// ``Shapes3D/fieldSize``³ grid as renders read it.
    public static func groundTruthDensity(_ shape: Shapes3D.Shape, size g: Int) -> [Float] {
        let f = Shapes3D.fieldSize, density = Tensor(shape: [1, f, f, f], storage: Shapes3D.density(shape, size: f))
        return Tensor.trilinearSample(grid: density, points: Tensor(shape: [g * g * g, 3], storage: nodes(size: g))).storage
    }

    /// `ℓ`: the width of one pixel at the origin.
    public static func pixelFootprint(_ renderer: VolumeRenderer) -> Float {
        2 * renderer.cameraDistance * Foundation.tan(renderer.fieldOfView / 2) / Float(renderer.imageSize)
    }

    /// `1 − exp(−σℓ) > ½` at every node of a density grid.
    public static func occupancy(density: [Float], footprint: Float) -> [Bool] {
        density.map { 1 - Foundation.exp(-$0 * footprint) > 0.5 }
    }

    public static func iou(_ a: [Bool], _ b: [Bool]) -> Double {
        let both = zip(a, b).filter { $0 && $1 }.count, either = zip(a, b).filter { $0 || $1 }.count
        return either == 0 ? 1 : Double(both) / Double(either)
    }

    /// Renders in [0, 1] with, for a voxel field, their opacity.
    struct Views {
        let image: Tensor
        let opacity: Tensor?
    }

    /// Mean `(max − min)/max` of RGB over the object's pixels of `[B, 3, H, W]` images in [0, 1]:
    /// opacity > ½ where the opacity is known, else pixels whose darkest channel is below 0.9
    /// (the background is white).
    static func saturation(_ views: Views) -> Double {
        let (b, pixels) = (views.image.shape[0], views.image.shape[2] * views.image.shape[3])
        let image = views.image.storage, opacity = views.opacity?.storage
        var (total, count) = (0.0, 0)
        for i in 0..<b {
            for p in 0..<pixels {
                let rgb = (0..<3).map { image[(i * 3 + $0) * pixels + p] }
                let high = rgb.max()!, low = rgb.min()!
                guard opacity.map({ $0[i * pixels + p] > 0.5 }) ?? (low < 0.9) else { continue }
                total += high > 0 ? Double((high - low) / high) : 0
                count += 1
            }
        }
        return count == 0 ? 0 : total / Double(count)
    }

    /// Measures `generator` (EMA weights loaded) for `prompt` and writes the outputs into `folder`:
    /// `turntable.png` (8 views), `evaluation.png` (the 8 evaluation views, over the ground
    /// truth's when the prompt names a known pair) and, for a ``RadianceField`` that answers
    /// queries (the voxel field, a plugin with `dipp.field/1`), `field.safetensors` (`density`
    /// `[E, E, E]` and `colour` `[3, E, E, E]` on the 48³ evaluation grid), `mesh.ply` (the IoU
    /// level set, vertex colours) and the IoU. Any other generator is measured through its renders
    /// alone; `renderer` gives the rig.
    public static func measure(_ generator: any Generator, renderer: VolumeRenderer, prompt: String, folder: URL,
                               classifier: Classifier?) throws -> FieldReport {
        let s = renderer.imageSize, voxel = generator as? VoxelFieldGenerator
        let (shape, colour) = Shapes3D.parse(prompt)
        let object = shape.flatMap { sh in colour.map { Shapes3D.Object(sh, $0) } }
        func render(_ cameras: [Camera]) -> Views {
            withoutGradients {
                if let voxel {
                    let r = renderer.render(cameras, field: voxel.evaluate)
                    return Views(image: r.image, opacity: r.opacity)
                }
                let conditions = Conditions(count: cameras.count, camera: CameraPose(dimension: 2, values: cameras.flatMap(\.conditionVector)),
                                            isNull: [Bool](repeating: false, count: cameras.count))
                return Views(image: (generator(Tensor.zeros([cameras.count] + generator.latentShape), conditions: conditions) + 1) * 0.5, opacity: nil)
            }
        }
        func images(_ v: Views) -> [[Float]] {
            (0..<v.image.shape[0]).map { i in v.image.storage[(i * 3 * s * s)..<((i + 1) * 3 * s * s)].map { 2 * $0 - 1 } }
        }
        let views = render(evaluationCameras(renderer))
        try ImageGrid.writeGrid(images(render(Shapes3D.turntable(8, rig: renderer))), rows: 1, columns: 8, height: s, width: s, channels: 3, scale: 6,
                                to: folder.appendingPathComponent("turntable.png").path)
        var report = FieldReport(prompt: prompt, shape: shape?.rawValue, colour: colour?.rawValue, saturation: saturation(views))
        if let queryable = generator as? any RadianceField, queryable.answersFieldQueries {
            // The field on the evaluation grid: saved, measured and meshed.
            let e = evaluationSize, footprint = pixelFootprint(renderer)
            let (fine, colours) = try queryable.field(at: nodes(size: e))
            let colourGrid = Tensor(shape: [e * e * e, 3], storage: colours).transposed(0, 1).reshaped([3, e, e, e])
            try SafeTensors.write(["density": Tensor(shape: [e, e, e], storage: fine), "colour": colourGrid],
                                  metadata: ["prompt": prompt, "kind": "radiance-field", "grid": "\(e) nodes per side over [-1, 1]^3, z-major"],
                                  to: folder.appendingPathComponent("field.safetensors"))
            var mesh = TriangleMesh.isosurface(fine.map { 1 - Foundation.exp(-$0 * footprint) }, size: e, level: 0.5)
            let vertexColours = try queryable.field(at: mesh.vertices.flatMap { [$0.x, $0.y, $0.z] }).colour
            mesh.colours = (0..<mesh.vertices.count).map { SIMD3(vertexColours[3 * $0], vertexColours[3 * $0 + 1], vertexColours[3 * $0 + 2]) }
            try Data(mesh.ply.utf8).write(to: folder.appendingPathComponent("mesh.ply"), options: .atomic)
            (report.meshVertices, report.meshFaces) = (mesh.vertices.count, mesh.faces.count)
            if let shape {
                let occupied = occupancy(density: fine, footprint: footprint)
                report.iou = iou(occupied, occupancy(density: groundTruthDensity(shape, size: e), footprint: footprint))
                report.iouSignedDistance = iou(occupied, Shapes3D.occupancy(shape, size: e))
                var rng = RandomStream(seed: 0, .surfaceSamples)
                let truth = groundTruthSurface(shape, size: e).surfaceSamples(surfaceSampleCount, rng: &rng)
                let surface = mesh.surfaceSamples(surfaceSampleCount, rng: &rng)
                (report.chamfer, report.fScore) = surfaceAgreement(surface, truth, tolerance: fScoreTolerance)
            }
        }
        var pictures = images(views)
        if let object {
            let rendered = renderer.render(evaluationCameras(renderer), grid: Shapes3D.field(object, size: Shapes3D.fieldSize))
            let truth = Views(image: rendered.image, opacity: rendered.opacity)
            let mse = zip(views.image.storage, truth.image.storage).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
                / Double(truth.image.count)
            report.psnr = 10 * Foundation.log10(1 / Swift.max(mse, 1e-12))
            report.groundTruthSaturation = saturation(truth)
            pictures += images(truth)
            if let classifier {
                let label = Shapes3D.objects.firstIndex(of: object)!
                report.classifierAccuracy = classifier.accuracy(truth.image * 2 - 1, labels: [Int](repeating: label, count: 8))
            }
        }
        try ImageGrid.writeGrid(pictures, rows: pictures.count / 8, columns: 8, height: s, width: s, channels: 3, scale: 6,
                                to: folder.appendingPathComponent("evaluation.png").path)
        if let classifier {
            let predicted = classifier.predict(views.image * 2 - 1).map { Shapes3D.objects[$0] }
            let fraction = { (hit: (Shapes3D.Object) -> Bool) in Double(predicted.filter(hit).count) / Double(predicted.count) }
            if let shape { report.shapeAgreement = fraction { $0.shape == shape } }
            if let colour { report.colourAgreement = fraction { $0.colour == colour } }
            if let object { report.agreement = fraction { $0 == object } }
        }
        return report
    }
}
