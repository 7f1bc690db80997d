import DIPPRender
import DIPPTensor
import Foundation
import Testing

/// Cameras and volume rendering: closed forms for a uniform box and finite-difference gradients.
@Suite struct RenderingTests {
    @Test func cameraBasisIsOrthonormalAndLooksAtTheOrigin() {
        let camera = Camera(elevation: 0.4, azimuth: -2.1, distance: 3, fieldOfView: 0.7)
        let (f, s, u) = camera.basis
        let dot = { (a: SIMD3<Float>, b: SIMD3<Float>) in (a * b).sum() }
        #expect(Swift.abs(dot(camera.origin, camera.origin).squareRoot() - 3) < 1e-5)
        for (a, b) in [(f, s), (f, u), (s, u)] { #expect(Swift.abs(dot(a, b)) < 1e-5) }
        for v in [f, s, u] { #expect(Swift.abs(dot(v, v) - 1) < 1e-5) }
        #expect(dot(f, -camera.origin / 3) > 0.99999)
        #expect(u.z > 0, "up points up")
        // Odd image: the centre pixel's ray is the forward axis; row 0 looks above it.
        let rays = camera.rayDirections(height: 5, width: 5)
        #expect(dot(rays[12], f) > 0.99999)
        #expect(dot(rays[2], u) > 0 && dot(rays[22], u) < 0)
        #expect(dot(rays[14], s) > 0, "column 4 is to the right")
        // The condition vector round-trips.
        let back = Camera(conditionVector: camera.conditionVector[...], distance: 3, fieldOfView: 0.7)
        #expect(Swift.abs(back.azimuth - camera.azimuth) < 1e-6 && Swift.abs(back.elevation - camera.elevation) < 1e-6)
    }

    /// A box of uniform density σ and colour c: every ray through it has opacity
    /// `1 − exp(−σ·chord)` and colour `O·c + (1 − O)·background`, whatever the number of samples.
    @Test func uniformBoxMatchesTheClosedForm() {
        let renderer = VolumeRenderer(imageSize: 6, samplesPerRay: 7, cameraDistance: 3, fieldOfView: 1.2, background: 1)
        let (sigma, colour): (Float, [Float]) = (0.8, [0.2, 0.5, 0.9])
        let g = 3, plane = g * g * g
        let grid = Tensor(shape: [4, g, g, g], storage: [Float](repeating: sigma, count: plane) + colour.flatMap { [Float](repeating: $0, count: plane) })
        let camera = Camera(elevation: 0.3, azimuth: 0.9, distance: 3, fieldOfView: 1.2)
        let r = renderer.render([camera], grid: grid)
        var hits = 0
        for (pixel, d) in camera.rayDirections(height: 6, width: 6).enumerated() {
            let chord = VolumeRenderer.boxInterval(origin: camera.origin, direction: d).map { $0.1 - $0.0 } ?? 0
            if chord > 0 { hits += 1 }
            let opacity = 1 - Foundation.exp(-sigma * chord)
            #expect(Swift.abs(r.opacity.storage[pixel] - opacity) < 1e-4, "pixel \(pixel)")
            for c in 0..<3 {
                let expected = opacity * colour[c] + (1 - opacity) * 1
                #expect(Swift.abs(r.image.storage[c * 36 + pixel] - expected) < 1e-4)
            }
        }
        #expect(hits > 0 && hits < 36, "some rays hit the box, some miss it (\(hits))")
    }

    @Test func compositeGradients() {
        let renderer = VolumeRenderer(imageSize: 2, samplesPerRay: 5, background: 0.3)
        var rng = RandomStream(seed: 5)
        let deltas = Tensor(shape: [2, 4, 5], storage: rng.uniform(40, in: 0.05...0.4))
        let density = Tensor(shape: [2, 4, 5], storage: rng.uniform(40, in: 0...3))
        let colour = Tensor(shape: [2, 4, 5, 3], storage: rng.uniform(120, in: 0...1))
        let report = GradientCheck.check([density, colour]) { t in
            let out = renderer.composite(density: t[0], colour: t[1], deltas: deltas)
            return Tensor.concat([out.image.reshaped([2, 12]), out.opacity], axis: 1)
        }
        #expect(report.passed, "\(report)")
    }

    @Test func renderGradientsInTheGrid() {
        let renderer = VolumeRenderer(imageSize: 3, samplesPerRay: 6, cameraDistance: 2.5, fieldOfView: 0.9)
        var rng = RandomStream(seed: 6)
        let grid = Tensor(shape: [4, 4, 4, 4], storage: rng.uniform(256, in: 0.1...1.5))
        let cameras = [Camera(elevation: 0.2, azimuth: 0.3, distance: 2.5, fieldOfView: 0.9),
                       Camera(elevation: 0.9, azimuth: -2, distance: 2.5, fieldOfView: 0.9)]
        let report = GradientCheck.check([grid], epsilon: 5e-3) { renderer.render(cameras, grid: $0[0]).image }
        #expect(report.passed, "\(report)")
    }
}

