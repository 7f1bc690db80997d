import Foundation

/// A pinhole camera on a sphere around the origin, looking at it, up = +z (DreamFusion's and
/// threestudio's placement).
///
/// Position `o = r·(cos e cos a, cos e sin a, sin e)` for elevation `e`, azimuth `a`, distance
/// `r`; forward `f = −o/|o|`, right `s = normalize(f × ẑ)`, true up `u = s × f`. For pixel
/// `(i, j)` of an `H×W` image with vertical field of view `fov`, `t = tan(fov/2)`:
/// `px = (2(j + ½)/W − 1)·t·W/H`, `py = (1 − 2(i + ½)/H)·t`, ray direction
/// `d = normalize(f + px·s + py·u)` — row 0 is the top of the image.
public struct Camera: Sendable, Equatable, Codable {
    /// Radians above the xy-plane (must stay inside (−π/2, π/2): the camera never looks straight down).
    public var elevation: Float
    /// Radians around +z from +x.
    public var azimuth: Float
    public var distance: Float
    /// Vertical field of view, radians.
    public var fieldOfView: Float

    public init(elevation: Float, azimuth: Float, distance: Float, fieldOfView: Float) {
        (self.elevation, self.azimuth, self.distance, self.fieldOfView) = (elevation, azimuth, distance, fieldOfView)
    }

    /// The 2-vector networks read: `(a/π, e/(π/2))` — their Fourier features
    /// `sin(2^j π p)` are then periodic in the azimuth with period 2π/2^j.
    public var conditionVector: [Float] { [azimuth / .pi, elevation / (.pi / 2)] }

    /// The camera of a ``conditionVector`` (the rig — distance and field of view — is fixed per run).
    public init(conditionVector v: ArraySlice<Float>, distance: Float, fieldOfView: Float) {
        precondition(v.count == 2, "Camera: a condition vector has 2 values (azimuth/π, elevation/(π/2)), got \(v.count)")
        self.init(elevation: v[v.startIndex + 1] * .pi / 2, azimuth: v[v.startIndex] * .pi, distance: distance, fieldOfView: fieldOfView)
    }

    /// `o`.
    public var origin: SIMD3<Float> {
        distance * SIMD3(Foundation.cos(elevation) * Foundation.cos(azimuth), Foundation.cos(elevation) * Foundation.sin(azimuth),
                         Foundation.sin(elevation))
    }

    /// `(f, s, u)`: forward, right and up, orthonormal.
    public var basis: (forward: SIMD3<Float>, right: SIMD3<Float>, up: SIMD3<Float>) {
        let f = -origin / Self.length(origin)
        let side = Self.cross(f, SIMD3(0, 0, 1))
        let s = side / Self.length(side)
        return (f, s, Self.cross(s, f))
    }

    /// Unit ray directions of every pixel, row-major `[H·W]`.
    public func rayDirections(height: Int, width: Int) -> [SIMD3<Float>] {
        let (f, s, u) = basis
        let t = Foundation.tan(fieldOfView / 2), aspect = Float(width) / Float(height)
        var out: [SIMD3<Float>] = []
        out.reserveCapacity(height * width)
        for i in 0..<height {
            for j in 0..<width {
                let px = (2 * (Float(j) + 0.5) / Float(width) - 1) * t * aspect
                let py = (1 - 2 * (Float(i) + 0.5) / Float(height)) * t
                let d = f + px * s + py * u
                out.append(d / Self.length(d))
            }
        }
        return out
    }

    /// `count` cameras evenly spaced in azimuth from `startAzimuth` (a turntable).
    public static func turntable(count: Int, elevation: Float, distance: Float, fieldOfView: Float, startAzimuth: Float = 0) -> [Camera] {
        (0..<count).map { k in
            Camera(elevation: elevation, azimuth: startAzimuth + 2 * .pi * Float(k) / Float(count), distance: distance, fieldOfView: fieldOfView)
        }
    }

    static func cross(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    }

    static func length(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }
}
