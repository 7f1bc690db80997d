import DIPPData
import DIPPRender
import DIPPTensor
import Foundation
import Testing

/// Isosurfaces are closed, consistently oriented and on the level set; the procedural shapes
/// have their analytic volumes.
@Suite struct MeshAndShapesTests {
    /// Every directed edge once and its reverse once: a closed, consistently oriented surface.
    /// Returns the Euler characteristic `V − E + F`.
    static func checkClosed(_ mesh: TriangleMesh) -> Int? {
        var directed = Set<[Int32]>()
        for f in mesh.faces {
            for (a, b) in [(f.x, f.y), (f.y, f.z), (f.z, f.x)] where !directed.insert([a, b]).inserted { return nil }
        }
        for e in directed where !directed.contains([e[1], e[0]]) { return nil }
        return mesh.vertices.count - directed.count / 2 + mesh.faces.count
    }

    @Test func sphereIsClosedOnTheLevelSetAndFacesOutward() {
        let g = 20
        let values = (0..<(g * g * g)).map { n -> Float in
            let p = Shapes3D.point(n / (g * g), (n / g) % g, n % g, size: g)
            return 0.6 - (p * p).sum().squareRoot()
        }
        let mesh = TriangleMesh.isosurface(values, size: g, level: 0)
        #expect(Self.checkClosed(mesh) == 2, "a sphere has Euler characteristic 2")
        for v in mesh.vertices { #expect(Swift.abs((v * v).sum().squareRoot() - 0.6) < 0.02) }
        // Outward: each face's normal points away from the centre.
        for f in mesh.faces.prefix(200) {
            let (a, b, c) = (mesh.vertices[Int(f.x)], mesh.vertices[Int(f.y)], mesh.vertices[Int(f.z)])
            let e1 = b - a, e2 = c - a
            let n = SIMD3(e1.y * e2.z - e1.z * e2.y, e1.z * e2.x - e1.x * e2.z, e1.x * e2.y - e1.y * e2.x)
            #expect((n * (a + b + c)).sum() > 0)
        }
        let ply = mesh.ply
        #expect(ply.hasPrefix("ply\nformat ascii 1.0\n"))
        #expect(ply.contains("element vertex \(mesh.vertices.count)\n") && ply.contains("element face \(mesh.faces.count)\n"))
        #expect(ply.split(separator: "\n").count == 10 + mesh.vertices.count + mesh.faces.count)
    }

    /// Points drawn on a sphere's mesh lie on it, spread uniformly by area: each octant holds
    /// about an eighth of them.
    @Test func surfaceSamplesAreOnTheSurfaceUniformlyByArea() {
        let g = 32
        let mesh = TriangleMesh.isosurface((0..<(g * g * g)).map { n -> Float in
            let p = Shapes3D.point(n / (g * g), (n / g) % g, n % g, size: g)
            return 0.6 - (p * p).sum().squareRoot()
        }, size: g, level: 0)
        var rng = RandomStream(seed: 3)
        let points = mesh.surfaceSamples(8000, rng: &rng)
        #expect(points.count == 8000)
        for p in points { #expect(Swift.abs((p * p).sum().squareRoot() - 0.6) < 0.02) }
        var octants = [Int](repeating: 0, count: 8)
        for p in points { octants[(p.x > 0 ? 1 : 0) + (p.y > 0 ? 2 : 0) + (p.z > 0 ? 4 : 0)] += 1 }
        #expect(octants.allSatisfy { Swift.abs($0 - 1000) < 120 }, "\(octants)")
        #expect(TriangleMesh().surfaceSamples(10, rng: &rng).isEmpty)
    }

    @Test func torusHasGenusOne() {
        let g = 24
        let occupancy = Shapes3D.occupancy(.torus, size: g)
        let mesh = TriangleMesh.isosurface(occupancy.map { $0 ? 1 : 0 }, size: g, level: 0.5) { _ in SIMD3(1, 0, 0) }
        #expect(Self.checkClosed(mesh) == 0, "a torus has Euler characteristic 0")
        #expect(mesh.colours.count == mesh.vertices.count)
        #expect(mesh.ply.contains("property uchar red") && mesh.ply.contains(" 255 0 0\n"))
    }

    /// Monte Carlo volumes (400 000 uniform points in the box) against the analytic ones; the
    /// tolerances are 4 standard errors (the torus fills 0.4% of the box, so its error is largest).
    @Test func shapesHaveTheirVolumes() {
        let n = 400_000
        var rng = RandomStream(seed: 3)
        let points = rng.uniform(3 * n, in: -1...1)
        func volume(_ s: Shapes3D.Shape) -> Float {
            let inside = (0..<n).filter { s.distance(SIMD3(points[3 * $0], points[3 * $0 + 1], points[3 * $0 + 2])) < 0 }.count
            return 8 * Float(inside) / Float(n)
        }
        let pi = Float.pi
        let expected: [(Shapes3D.Shape, Float)] = [
            (.sphere, 4 / 3 * pi * Foundation.pow(0.55, 3)), (.cube, Foundation.pow(0.84, 3)),
            (.torus, 2 * pi * pi * 0.45 * 0.04), (.cone, pi * 0.55 * 0.55 * 1.05 / 3),
            (.cylinder, pi * 0.45 * 0.45), (.capsule, pi * 0.32 * 0.32 * 0.6 + 4 / 3 * pi * Foundation.pow(0.32, 3)),
        ]
        for (shape, v) in expected {
            let fraction = v / 8, standardError = (fraction * (1 - fraction) / Float(n)).squareRoot() / fraction
            #expect(Swift.abs(volume(shape) / v - 1) < 4 * standardError, "\(shape): \(volume(shape)) vs \(v)")
        }
    }

    @Test func captionsPromptsAndHeldOutPairs() {
        #expect(Shapes3D.objects.count == 24 && Shapes3D.training.count == 20)
        #expect(Set(Shapes3D.heldOut.map(\.shape)).count == 4 && Set(Shapes3D.heldOut.map(\.colour)).count == 4)
        let torus = Shapes3D.Object(.torus, .red)
        #expect(Shapes3D.captions(torus).first == "a red torus")
        for caption in Shapes3D.captions(torus) { #expect(Shapes3D.parse(caption) == (.torus, .red)) }
        #expect(Shapes3D.parse("a small blue cone") == (.cone, .blue))
        #expect(Shapes3D.parse("something") == (nil, nil))
    }

    @Test func dataSetRecordsCamerasAndRendersObjects() {
        let renderer = VolumeRenderer(imageSize: 8, samplesPerRay: 16)
        let data = Shapes3D.dataSet(objects: [Shapes3D.Object(.sphere, .blue)], views: 3, renderer: renderer, seed: 1)
        #expect(data.sampleShape == [3, 8, 8] && data.count == 3 && data.cameras?.dimension == 2 && data.cameras?.values.count == 6)
        #expect(data.valueRange.low >= -1 && data.valueRange.high <= 1)
        // The centre of every view is the sphere (blue: blue channel above red); the corner is background (white, +1).
        for i in 0..<3 {
            let image = Array(data.values[(i * 192)..<((i + 1) * 192)])
            let centre = 3 * 8 + 3
            #expect(image[128 + centre] > image[centre] + 0.5)
            #expect(image[0] > 0.99 && image[64] > 0.99 && image[128] > 0.99)
        }
        // Same seed, same cameras.
        #expect(Shapes3D.dataSet(objects: [Shapes3D.Object(.sphere, .blue)], views: 3, renderer: renderer, seed: 1).cameras == data.cameras)
    }
}
