import DIPPData
import DIPPEvaluation
import DIPPRender
import DIPPTensor
import DiffInstruct
import Foundation

/// How a 3-D field is measured against the `shapes3d` ground truth (`Documentation/TextTo3D.md`):
///
/// - **IoU**: on an evaluation grid of ``evaluationSize``³ nodes (finer than the field's own,
///   so the field is read as it renders — raw values interpolated, then activated), a node is
///   occupied when a cube of its density one pixel wide would be more opaque than not,
///   `1 − exp(−σ·ℓ) > ½`, `ℓ = 2r·tan(fov/2)/S` the width of a pixel at the origin (0.137 at
///   16×16): renders cannot place a surface more finely than that, and a field need not be
///   denser than opaque at that width. Against the shape's `d(p) < 0` on the same nodes. The
///   mesh is this level set.
/// - **PSNR** of renders against the ground truth's from the same cameras, on [0, 1] images:
///   `10·log₁₀(1/MSE)`.
/// - **Agreement**: the in-project classifier of all 24 shape–colour pairs (trained on
///   ground-truth renders from random cameras) reads each of the 8 evaluation views; the
///   fractions naming the prompt's shape, its colour, and both.
/// - **Saturation** of the object's pixels (opacity > ½): mean `(max − min)/max` of RGB — SDS's
///   over-saturation shows here, beside the ground truth's own.
/// Evaluation views: elevation 30°, azimuths `π/8 + kπ/4` — between the turntable's views.
public struct FieldReport: Codable, Sendable {
    public var prompt: String
    public var shape: String?
    public var colour: String?
    public var iou: Double?
    public var psnr: Double?
    public var shapeAgreement: Double?
    public var colourAgreement: Double?
    public var agreement: Double?
    public var saturation: Double
    public var groundTruthSaturation: Double?
    /// The agreement classifier's accuracy on ground-truth renders from the evaluation views.
    public var classifierAccuracy: Double?
    public var meshVertices: Int
    public var meshFaces: Int
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

    /// The 8 turntable cameras of the picture.
    public static func turntableCameras(_ renderer: VolumeRenderer) -> [Camera] {
        Camera.turntable(count: 8, elevation: .pi / 6, distance: renderer.cameraDistance, fieldOfView: renderer.fieldOfView, startAzimuth: -.pi)
    }

    /// The agreement classifier: 24 classes (`Shapes3D.objects` order), trained once on 150
    /// ground-truth views of every pair and cached in `folder`.
    public static func classifier(renderer: VolumeRenderer, folder: URL) throws -> Classifier {
        let data = Shapes3D.dataSet(objects: Shapes3D.objects, views: 150, renderer: renderer, seed: 7)
        // The cache is named by the renders' content, so a change to the data retrains it.
        let checksum = data.values.reduce(into: UInt64(14_695_981_039_346_656_037)) { $0 = ($0 ^ UInt64($1.bitPattern)) &* 1_099_511_628_211 }
        let named = LabeledDataset(name: "shapes3d-all-\(renderer.imageSize)-\(String(checksum % 1_000_000_007, radix: 36))", values: data.values, labels: data.labels,
                                   sampleShape: data.sampleShape, imageSize: data.imageSize, classNames: data.classNames)
        return try Classifier.loadOrTrain(on: named, configuration: .init(), folder: folder)
    }

    /// Nodes per side of the grid IoU and the mesh are measured on.
    public static let evaluationSize = 48

    /// The field's density at every node of a `g³` grid (z-major), as rendered.
    public static func density(_ field: VoxelFieldGenerator, size g: Int) -> [Float] {
        let nodes = Tensor(shape: [g * g * g, 3], storage: (0..<(g * g * g)).flatMap { n -> [Float] in
            let p = Shapes3D.point(n / (g * g), (n / g) % g, n % g, size: g)
            return [p.x, p.y, p.z]
        })
        return withoutGradients { field.evaluate(nodes).density }.storage
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

    /// Mean `(max − min)/max` over pixels with opacity > ½ of `[B, 3, H, W]` images in [0, 1].
    static func saturation(_ rendering: VolumeRenderer.Rendering) -> Double {
        let (b, pixels) = (rendering.image.shape[0], rendering.opacity.shape[1])
        let image = rendering.image.storage, opacity = rendering.opacity.storage
        var (total, count) = (0.0, 0)
        for i in 0..<b {
            for p in 0..<pixels where opacity[i * pixels + p] > 0.5 {
                let rgb = (0..<3).map { image[(i * 3 + $0) * pixels + p] }
                let high = rgb.max()!, low = rgb.min()!
                total += high > 0 ? Double((high - low) / high) : 0
                count += 1
            }
        }
        return count == 0 ? 0 : total / Double(count)
    }

    /// Measures `generator` (EMA weights loaded) for `prompt` and writes the outputs into `folder`:
    /// `turntable.png` (8 views), `evaluation.png` (the 8 evaluation views, over the ground
    /// truth's when the prompt names a known pair), `field.safetensors` (activated `density`
    /// `[G, G, G]` and `colour` `[3, G, G, G]`), `mesh.ply` (the IoU level set, vertex colours).
    public static func measure(_ generator: VoxelFieldGenerator, prompt: String, folder: URL, classifier: Classifier?) throws -> FieldReport {
        let renderer = generator.renderer, g = generator.configuration.gridSize, s = renderer.imageSize
        let (shape, colour) = Shapes3D.parse(prompt)
        let object = shape.flatMap { sh in colour.map { Shapes3D.Object(sh, $0) } }
        let turntable = withoutGradients { renderer.render(turntableCameras(renderer), field: generator.evaluate) }
        let views = withoutGradients { renderer.render(evaluationCameras(renderer), field: generator.evaluate) }
        func images(_ r: VolumeRenderer.Rendering) -> [[Float]] {
            (0..<r.image.shape[0]).map { i in r.image.storage[(i * 3 * s * s)..<((i + 1) * 3 * s * s)].map { 2 * $0 - 1 } }
        }
        try ImageGrid.writeGrid(images(turntable), rows: 1, columns: 8, height: s, width: s, channels: 3, scale: 6,
                                to: folder.appendingPathComponent("turntable.png").path)

        let density = generator.densityGrid()
        let nodes = Tensor(shape: [g * g * g, 3], storage: (0..<(g * g * g)).flatMap { n -> [Float] in
            let p = Shapes3D.point(n / (g * g), (n / g) % g, n % g, size: g)
            return [p.x, p.y, p.z]
        })
        let colourGrid = withoutGradients { generator.evaluate(nodes).colour }.transposed(0, 1)
        try SafeTensors.write(["density": Tensor(shape: [g, g, g], storage: density), "colour": colourGrid.reshaped([3, g, g, g])],
                              metadata: ["prompt": prompt, "kind": "voxel-field"], to: folder.appendingPathComponent("field.safetensors"))
        let e = evaluationSize, footprint = pixelFootprint(renderer)
        let fine = Self.density(generator, size: e)
        let mesh = TriangleMesh.isosurface(fine.map { 1 - Foundation.exp(-$0 * footprint) }, size: e, level: 0.5) { p in
            let c = withoutGradients { generator.evaluate(Tensor(shape: [1, 3], storage: [p.x, p.y, p.z])).colour }.storage
            return SIMD3(c[0], c[1], c[2])
        }
        try Data(mesh.ply.utf8).write(to: folder.appendingPathComponent("mesh.ply"), options: .atomic)

        var report = FieldReport(prompt: prompt, shape: shape?.rawValue, colour: colour?.rawValue, saturation: saturation(views),
                                 meshVertices: mesh.vertices.count, meshFaces: mesh.faces.count)
        if let shape { report.iou = iou(occupancy(density: fine, footprint: footprint), Shapes3D.occupancy(shape, size: e)) }
        var pictures = images(views)
        if let object {
            let truth = renderer.render(evaluationCameras(renderer), grid: Shapes3D.field(object, size: Shapes3D.fieldSize))
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
