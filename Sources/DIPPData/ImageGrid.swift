import Foundation

/// Renders samples as PNG files: image grids (one row per class) and 2-D scatter plots.
public enum ImageGrid {
    /// Writes `rows × columns` images (values in [−1, 1]; grey `height × width`, or RGB
    /// `[3, height, width]` planes when `channels` is 3) as one PNG, each image enlarged `scale`×
    /// (nearest) with a 1-pixel grey border.
    public static func writeGrid(_ images: [[Float]], rows: Int, columns: Int, height: Int, width: Int,
                                 channels: Int = 1, scale: Int = 4, to path: String) throws {
        precondition(images.count <= rows * columns, "writeGrid: \(images.count) images for \(rows)x\(columns) cells")
        precondition(channels == 1 || channels == 3, "writeGrid: 1 or 3 channels, not \(channels)")
        let (cellH, cellW) = (height * scale + 1, width * scale + 1)
        let (imageH, imageW) = (rows * cellH + 1, columns * cellW + 1)
        var pixels = [UInt8](repeating: 128, count: imageH * imageW * channels)
        for (i, image) in images.enumerated() {
            let (top, left) = (1 + (i / columns) * cellH, 1 + (i % columns) * cellW)
            for y in 0..<(height * scale) {
                for x in 0..<(width * scale) {
                    for c in 0..<channels {
                        let v = image[(c * height + y / scale) * width + x / scale]
                        pixels[((top + y) * imageW + left + x) * channels + c] = UInt8(max(0, min(255, ((v + 1) * 127.5).rounded())))
                    }
                }
            }
        }
        try Files.writePNG(pixels, width: imageW, height: imageH, channels: channels, to: path)
    }

    /// Writes a scatter plot of 2-D points, coloured by class, on `size × size` pixels covering
    /// `[−extent, extent]²` (points outside it, and non-finite ones, are left out); optional
    /// reference points (e.g. the modes) are drawn as black crosses.
    public static func writeScatter(_ points: [Float], labels: [Int], extent: Float = 6, size: Int = 512,
                                    marks: [(Float, Float)] = [], to path: String) throws {
        var pixels = [UInt8](repeating: 255, count: size * size * 3)
        let palette: [(UInt8, UInt8, UInt8)] = [(228, 26, 28), (55, 126, 184), (77, 175, 74), (152, 78, 163),
                                                (255, 127, 0), (166, 86, 40), (247, 129, 191), (100, 100, 100)]
        func plot(_ x: Float, _ y: Float, _ color: (UInt8, UInt8, UInt8), radius: Int) {
            // Off the canvas, NaN and infinities (a diverged model's samples) are not drawn.
            guard abs(x) <= 2 * extent, abs(y) <= 2 * extent else { return }
            let px = Int(((x + extent) / (2 * extent) * Float(size)).rounded())
            let py = Int(((extent - y) / (2 * extent) * Float(size)).rounded())
            for dy in -radius...radius {
                for dx in -radius...radius {
                    let (u, v) = (px + dx, py + dy)
                    guard u >= 0, u < size, v >= 0, v < size else { continue }
                    let at = (v * size + u) * 3
                    (pixels[at], pixels[at + 1], pixels[at + 2]) = color
                }
            }
        }
        for i in 0..<(points.count / 2) {
            plot(points[2 * i], points[2 * i + 1], palette[labels[i] % palette.count], radius: 1)
        }
        for (x, y) in marks {
            for d in -6...6 {
                plot(x + Float(d) * extent / Float(size), y, (0, 0, 0), radius: 0)
                plot(x, y + Float(d) * extent / Float(size), (0, 0, 0), radius: 0)
            }
        }
        try Files.writePNG(pixels, width: size, height: size, channels: 3, to: path)
    }
}
