import DIPPRender
import DIPPTensor
import Foundation

/// Procedural 3-D data for text-to-3D (`shapes3d`): six analytic shapes × four colours, as
/// density + colour fields, rendered from cameras on a sphere, with captions from a grammar.
///
/// - **Shapes** (signed distance `d(p)` in the box `[−1, 1]³`, up = +z): sphere, cube, torus
///   (lying flat), cone (apex up), cylinder, capsule — all about 1.1 wide.
/// - **Fields**: density `σ(p) = σ_max·sigmoid(−d(p)/ε)` (`σ_max = 200`, `ε = 0.01`: a sharp
///   surface, on a ``fieldSize``³ grid); colour =
///   the base colour shaded by a fixed light, `c·(0.4 + 0.6·max(0, n·l))` with `n = ∇d/|∇d|` —
///   the shading is part of the field, the same from every camera (a baked albedo).
/// - **Views**: azimuth uniform on (−π, π], elevation uniform in [0°, 60°], on the
///   ``VolumeRenderer`` rig; each sample records its camera.
/// - **Held out**: ``heldOut`` combinations never appear in the data set, so a teacher trained
///   on it has seen every shape and every colour but not those pairs.
public enum Shapes3D {
    public enum Shape: String, CaseIterable, Sendable, Codable {
        case sphere, cube, torus, cone, cylinder, capsule

        /// Signed distance (exact for sphere, cube, torus and capsule; a distance-like bound
        /// with the right zero set for cone and cylinder).
        public func distance(_ p: SIMD3<Float>) -> Float {
            func length(_ v: SIMD2<Float>) -> Float { (v * v).sum().squareRoot() }
            let radial = length(SIMD2(p.x, p.y))
            switch self {
            case .sphere:
                return (p * p).sum().squareRoot() - 0.55
            case .cube:
                let q = SIMD3(Swift.abs(p.x), Swift.abs(p.y), Swift.abs(p.z)) - 0.42
                let outside = SIMD3(Swift.max(q.x, 0), Swift.max(q.y, 0), Swift.max(q.z, 0))
                return (outside * outside).sum().squareRoot() + Swift.min(Swift.max(q.x, Swift.max(q.y, q.z)), 0)
            case .torus:
                return length(SIMD2(radial - 0.45, p.z)) - 0.2
            case .cone:   // base radius 0.55 at z = −0.5, apex at z = 0.55
                let (bottom, top, base): (Float, Float, Float) = (-0.5, 0.55, 0.55)
                let slope = base / (top - bottom)
                let side: Float = (radial - slope * (top - p.z)) / (1 + slope * slope).squareRoot()
                return Swift.max(side, Swift.max(bottom - p.z, p.z - top))
            case .cylinder:
                return Swift.max(radial - 0.45, Swift.abs(p.z) - 0.5)
            case .capsule:
                let z = Swift.min(Swift.max(p.z, -0.3), 0.3)
                return (SIMD3(p.x, p.y, p.z - z) * SIMD3(p.x, p.y, p.z - z)).sum().squareRoot() - 0.32
            }
        }
    }

    public enum Colour: String, CaseIterable, Sendable, Codable {
        case red, green, blue, yellow

        public var rgb: SIMD3<Float> {
            switch self {
            case .red: SIMD3(0.9, 0.15, 0.1)
            case .green: SIMD3(0.15, 0.7, 0.2)
            case .blue: SIMD3(0.15, 0.3, 0.9)
            case .yellow: SIMD3(0.95, 0.8, 0.1)
            }
        }
    }

    /// A shape in a colour.
    public struct Object: Hashable, Sendable, Codable {
        public var shape: Shape
        public var colour: Colour
        public init(_ shape: Shape, _ colour: Colour) { (self.shape, self.colour) = (shape, colour) }

        /// "a red torus".
        public var prompt: String { "a \(colour.rawValue) \(shape.rawValue)" }
    }

    /// Every combination, shape-major.
    public static let objects: [Object] = Shape.allCases.flatMap { s in Colour.allCases.map { Object(s, $0) } }
    /// The combinations a teacher never sees (one per colour, each a different shape).
    public static let heldOut: [Object] = [Object(.torus, .green), Object(.cube, .red), Object(.capsule, .blue), Object(.cone, .yellow)]
    /// The combinations in the data set.
    public static var training: [Object] { objects.filter { !heldOut.contains($0) } }

    /// Caption templates: `{c}` colour, `{s}` shape.
    static let templates = ["a {c} {s}", "{c} {s}", "a {s} in {c}", "a {s} that is {c}", "a 3d render of a {c} {s}", "a {c}-coloured {s}"]

    /// The captions of an object (the first is its ``Object/prompt``).
    public static func captions(_ object: Object) -> [String] {
        templates.map { $0.replacingOccurrences(of: "{c}", with: object.colour.rawValue).replacingOccurrences(of: "{s}", with: object.shape.rawValue) }
    }

    /// The shape and colour a prompt names (its first shape word and first colour word).
    public static func parse(_ prompt: String) -> (shape: Shape?, colour: Colour?) {
        let words = prompt.lowercased().split { !$0.isLetter }.map(String.init)
        return (words.lazy.compactMap(Shape.init(rawValue:)).first, words.lazy.compactMap(Colour.init(rawValue:)).first)
    }

    static let light: SIMD3<Float> = {
        let l = SIMD3<Float>(0.4, -0.3, 0.85)
        return l / (l * l).sum().squareRoot()
    }()

    /// The point of `[−1, 1]³` at node `(i, j, k)` (z, y, x) of a `g³` grid.
    public static func point(_ i: Int, _ j: Int, _ k: Int, size g: Int) -> SIMD3<Float> {
        SIMD3(Float(k), Float(j), Float(i)) * (2 / Float(g - 1)) - 1
    }

    /// The density of `shape` at every node of a `g³` grid (z-major): `σ_max·sigmoid(−d/ε)`,
    /// `σ_max = 200`, `ε = 0.01`. It does not depend on the colour.
    public static func density(_ shape: Shape, size g: Int) -> [Float] {
        let (sigmaMax, epsilon): (Float, Float) = (200, 0.01)
        return (0..<(g * g * g)).map { n in sigmaMax / (1 + Foundation.exp(shape.distance(point(n / (g * g), (n / g) % g, n % g, size: g)) / epsilon)) }
    }

    /// The field of `object` on a `g³` grid: `[4, g, g, g]`, ``density(_:size:)`` then RGB in [0, 1].
    public static func field(_ object: Object, size g: Int) -> Tensor {
        let plane = g * g * g
        var out = density(object.shape, size: g) + [Float](repeating: 0, count: 3 * plane)
        let h: Float = 1e-3
        for i in 0..<g {
            for j in 0..<g {
                for k in 0..<g {
                    let p = point(i, j, k, size: g), at = (i * g + j) * g + k
                    var n = SIMD3<Float>()
                    for a in 0..<3 {
                        var e = SIMD3<Float>()
                        e[a] = h
                        n[a] = object.shape.distance(p + e) - object.shape.distance(p - e)
                    }
                    let norm = (n * n).sum().squareRoot()
                    let lit = norm > 0 ? Swift.max(0, (n * light).sum() / norm) : 0
                    let rgb = object.colour.rgb * (0.4 + 0.6 * lit)
                    for c in 0..<3 { out[(c + 1) * plane + at] = rgb[c] }
                }
            }
        }
        return Tensor(shape: [4, g, g, g], storage: out)
    }

    /// Ground-truth occupancy on a `g³` grid (`d(p) < 0` at each node), z-major.
    public static func occupancy(_ shape: Shape, size g: Int) -> [Bool] {
        (0..<(g * g * g)).map { n in shape.distance(point(n / (g * g), (n / g) % g, n % g, size: g)) < 0 }
    }

    /// A random training camera: azimuth uniform on (−π, π], elevation uniform in [0°, 60°].
    public static func randomCamera(_ renderer: VolumeRenderer, rng: inout RandomStream) -> Camera {
        let u = rng.uniform(2)
        return trainingCamera(u[0], u[1], rig: renderer)
    }

    /// The training view of two uniform draws `u₀, u₁ ∈ [0, 1)`: azimuth `(2u₀ − 1)π`, elevation
    /// `u₁·60°`, on `rig`'s distance and field of view.
    public static func trainingCamera(_ u0: Float, _ u1: Float, rig: VolumeRenderer) -> Camera {
        Camera(elevation: u1 * .pi / 3, azimuth: (2 * u0 - 1) * .pi, distance: rig.cameraDistance, fieldOfView: rig.fieldOfView)
    }

    /// The turntable every report shows: `count` views at 30° elevation from azimuth −π.
    public static func turntable(_ count: Int, rig: VolumeRenderer) -> [Camera] {
        Camera.turntable(count: count, elevation: .pi / 6, distance: rig.cameraDistance, fieldOfView: rig.fieldOfView, startAzimuth: -.pi)
    }

    /// Grid size of the ground-truth fields the data are rendered from.
    public static let fieldSize = 48

    /// Renders `views` random views of each object in `objects` as images in [−1, 1]; a data set
    /// once rendered is kept for the rest of the process (a text-to-3D example asks for the same
    /// one for every prompt).
    public static func dataSet(objects: [Object] = training, views: Int, renderer: VolumeRenderer = VolumeRenderer(), seed: UInt64) -> LabeledDataset {
        let key = "\(objects.map(\.prompt)) \(views) \(renderer) \(seed)"
        if let data = renderedLock.withLock({ rendered[key] }) { return data }
        let data = render(objects: objects, views: views, renderer: renderer, seed: seed)
        renderedLock.withLock { rendered[key] = data }
        return data
    }

    nonisolated(unsafe) private static var rendered: [String: LabeledDataset] = [:]
    private static let renderedLock = NSLock()

    private static func render(objects: [Object], views: Int, renderer: VolumeRenderer, seed: UInt64) -> LabeledDataset {
        var rng = RandomStream(seed: seed, .shapesData)
        var values: [Float] = [], labels: [Int] = [], cameras: [Float] = [], captions: [[String]] = []
        for (label, object) in objects.enumerated() {
            let grid = field(object, size: fieldSize)
            let chosen = (0..<views).map { _ in randomCamera(renderer, rng: &rng) }
            let image = renderer.render(chosen, grid: grid).image
            values += image.storage.map { 2 * $0 - 1 }
            labels += [Int](repeating: label, count: views)
            cameras += chosen.flatMap(\.conditionVector)
            captions += [[String]](repeating: Shapes3D.captions(object), count: views)
        }
        let s = renderer.imageSize
        return LabeledDataset(name: "shapes3d", values: values, labels: labels, sampleShape: [3, s, s], imageSize: (s, s),
                              classNames: objects.map(\.prompt), captions: captions, cameras: Cameras(dimension: 2, values: cameras),
                              architecture: "unet")
    }
}
