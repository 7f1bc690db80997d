import DIPPTensor
import Foundation

/// A triangle mesh with optional per-vertex colours, written as PLY (MeshLab, Blender and
/// most viewers open it).
public struct TriangleMesh: Sendable {
    public var vertices: [SIMD3<Float>] = []
    /// Per-vertex RGB in [0, 1], empty for an uncoloured mesh.
    public var colours: [SIMD3<Float>] = []
    /// Vertex indices, counter-clockwise seen from outside.
    public var faces: [SIMD3<Int32>] = []

    public init() {}

    /// `count` points on the surface, uniform by area: a face drawn with probability ∝ its area
    /// (a binary search of the cumulative areas), a point in it by the square-root rule
    /// `(1 − √u)·a + √u(1 − v)·b + √u·v·c`. Empty for a mesh without area.
    public func surfaceSamples(_ count: Int, rng: inout RandomStream) -> [SIMD3<Float>] {
        var cumulative: [Double] = []
        cumulative.reserveCapacity(faces.count)
        var total = 0.0
        for f in faces {
            let (a, b, c) = (vertices[Int(f.x)], vertices[Int(f.y)], vertices[Int(f.z)])
            let n = Camera.cross(b - a, c - a)
            total += Double((n * n).sum().squareRoot()) / 2
            cumulative.append(total)
        }
        guard total > 0 else { return [] }
        let u = rng.uniform(3 * count)
        return (0..<count).map { i in
            let target = Double(u[3 * i]) * total
            var (low, high) = (0, cumulative.count - 1)
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < target { low = mid + 1 } else { high = mid }
            }
            let f = faces[low], r = u[3 * i + 1].squareRoot(), v = u[3 * i + 2]
            return (1 - r) * vertices[Int(f.x)] + r * (1 - v) * vertices[Int(f.y)] + r * v * vertices[Int(f.z)]
        }
    }

    /// Extracts the surface `{f = level}` of a scalar grid `[G, G, G]` (index order z, y, x,
    /// node `(i, j, k)` at `(−1 + 2k/(G−1), −1 + 2j/(G−1), −1 + 2i/(G−1))`), inside where
    /// `f > level`, by **marching tetrahedra**: every cube is split into the six tetrahedra
    /// around its main diagonal (the Kuhn triangulation, consistent across neighbouring cubes,
    /// so the surface is closed), and each tetrahedron cut by the level set contributes one
    /// triangle (one or three corners inside) or two (two inside), with vertices linearly
    /// interpolated on the cut edges and shared between neighbours. This is marching cubes'
    /// tetrahedral variant: no 256-case table, no ambiguous faces.
    /// - Parameter colour: the colour at a point in `[−1, 1]³`, if the mesh should carry one.
    public static func isosurface(_ values: [Float], size g: Int, level: Float,
                                  colour: ((SIMD3<Float>) -> SIMD3<Float>)? = nil) -> TriangleMesh {
        precondition(values.count == g * g * g && g >= 2, "isosurface: \(values.count) values are not a \(g)³ grid")
        var mesh = TriangleMesh()
        var vertexOfEdge: [Int: Int32] = [:]
        func node(_ i: Int, _ j: Int, _ k: Int) -> Int { (i * g + j) * g + k }
        func position(_ n: Int) -> SIMD3<Float> {
            let (i, j, k) = (n / (g * g), (n / g) % g, n % g)
            return SIMD3(Float(k), Float(j), Float(i)) * (2 / Float(g - 1)) - 1
        }
        func vertex(_ a: Int, _ b: Int) -> Int32 {
            let key = min(a, b) * values.count + max(a, b)
            if let v = vertexOfEdge[key] { return v }
            let t = (level - values[a]) / (values[b] - values[a])
            let p = position(a) + t * (position(b) - position(a))
            mesh.vertices.append(p)
            if let colour { mesh.colours.append(colour(p)) }
            vertexOfEdge[key] = Int32(mesh.vertices.count - 1)
            return vertexOfEdge[key]!
        }
        /// Adds triangle (a, b, c), flipped if needed so its normal points from `inside` to `outside`.
        func triangle(_ a: Int32, _ b: Int32, _ c: Int32, outward: SIMD3<Float>) {
            let (pa, pb, pc) = (mesh.vertices[Int(a)], mesh.vertices[Int(b)], mesh.vertices[Int(c)])
            let n = Camera.cross(pb - pa, pc - pa)
            mesh.faces.append((n * outward).sum() >= 0 ? SIMD3(a, b, c) : SIMD3(a, c, b))
        }
        let tetrahedra = [[0, 1, 3, 7], [0, 3, 2, 7], [0, 2, 6, 7], [0, 6, 4, 7], [0, 4, 5, 7], [0, 5, 1, 7]]
        for i in 0..<(g - 1) {
            for j in 0..<(g - 1) {
                for k in 0..<(g - 1) {
                    // Corner c = dx + 2dy + 4dz of the cube at (i, j, k).
                    let corners = (0..<8).map { c in node(i + (c >> 2), j + ((c >> 1) & 1), k + (c & 1)) }
                    for tet in tetrahedra {
                        let nodes = tet.map { corners[$0] }
                        let inside = nodes.filter { values[$0] > level }, outside = nodes.filter { values[$0] <= level }
                        guard !inside.isEmpty, !outside.isEmpty else { continue }
                        let centre = { (ns: [Int]) in ns.map(position).reduce(SIMD3<Float>(), +) / Float(ns.count) }
                        let outward = centre(outside) - centre(inside)
                        if inside.count == 2 {
                            let (a, b, c, d) = (vertex(inside[0], outside[0]), vertex(inside[0], outside[1]),
                                                vertex(inside[1], outside[1]), vertex(inside[1], outside[0]))
                            triangle(a, b, c, outward: outward)
                            triangle(a, c, d, outward: outward)
                        } else {
                            let (lone, others) = inside.count == 1 ? (inside[0], outside) : (outside[0], inside)
                            triangle(vertex(lone, others[0]), vertex(lone, others[1]), vertex(lone, others[2]), outward: outward)
                        }
                    }
                }
            }
        }
        return mesh
    }

    /// The mesh as ASCII PLY: `x y z` (and `red green blue` as uchar) per vertex, triangles as
    /// `3 a b c`.
    public var ply: String {
        var header = ["ply", "format ascii 1.0", "comment written by DIPP", "element vertex \(vertices.count)",
                      "property float x", "property float y", "property float z"]
        if !colours.isEmpty { header += ["property uchar red", "property uchar green", "property uchar blue"] }
        header += ["element face \(faces.count)", "property list uchar int vertex_indices", "end_header"]
        var lines = header
        lines.reserveCapacity(header.count + vertices.count + faces.count)
        for (i, v) in vertices.enumerated() {
            var line = "\(v.x) \(v.y) \(v.z)"
            if !colours.isEmpty {
                let c = colours[i]
                line += " " + [c.x, c.y, c.z].map { String(Int((Swift.min(Swift.max($0, 0), 1) * 255).rounded())) }.joined(separator: " ")
            }
            lines.append(line)
        }
        for f in faces { lines.append("3 \(f.x) \(f.y) \(f.z)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
