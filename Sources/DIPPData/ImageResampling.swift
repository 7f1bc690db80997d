import Foundation

/// An image as channel planes (CHW) of values in [0, 1], on its way into a data set.
struct ImagePlanes: Equatable {
    var channels: Int
    var height: Int
    var width: Int
    /// CHW, in [0, 1].
    var values: [Float]
    /// The 8-bit samples behind `values` (CHW), while only copies have touched them (no
    /// compositing, luma or filtering): then the data set's value is computed from the byte.
    var bytes: [UInt8]?

    /// Values in [−1, 1]: `Float(byte) / 127.5 − 1` from an untouched 8-bit sample (the
    /// Fashion-MNIST loader's arithmetic, bit for bit), else `v·2 − 1`.
    var scaled: [Float] {
        if let bytes { return bytes.map { Float($0) / 127.5 - 1 } }
        return values.map { $0 * 2 - 1 }
    }
}

/// Compositing, channel conversion, antialiased resizing and centre cropping.
enum ImageResampling {
    /// ITU-R BT.601 luma weights (R, G, B).
    static let luma: (Float, Float, Float) = (0.299, 0.587, 0.114)

    /// `image` as planes with its colour channels only (1 or 3): alpha composited onto white,
    /// `α·c + (1 − α)·1` in the stored (sRGB-encoded) values. An 8-bit alpha channel that is
    /// 255 everywhere is dropped untouched.
    static func planes(_ image: DecodedImage) -> ImagePlanes {
        let (h, w, c) = (image.height, image.width, image.channels)
        let colour = image.hasAlpha ? c - 1 : c
        let opaque = !image.hasAlpha || (image.bytes.map { bytes in (0..<(h * w)).allSatisfy { bytes[$0 * c + colour] == 255 } } ?? false)
        var values = [Float](repeating: 0, count: colour * h * w)
        var bytes: [UInt8]? = opaque ? [UInt8](repeating: 0, count: colour * h * w) : nil
        for pixel in 0..<(h * w) {
            let alpha = image.hasAlpha && !opaque ? image.values[pixel * c + colour] : 1
            for k in 0..<colour {
                let v = image.values[pixel * c + k]
                values[k * h * w + pixel] = opaque ? v : alpha * v + (1 - alpha)
                if opaque, let source = image.bytes { bytes![k * h * w + pixel] = source[pixel * c + k] }
            }
        }
        if image.bytes == nil { bytes = nil }
        return ImagePlanes(channels: colour, height: h, width: w, values: values, bytes: bytes)
    }

    /// `planes` with `channels` (1 or 3) channels: grey replicated into RGB (exactly), RGB to
    /// grey by luma `0.299 R + 0.587 G + 0.114 B`.
    static func converted(_ planes: ImagePlanes, to channels: Int) -> ImagePlanes {
        guard planes.channels != channels else { return planes }
        let area = planes.height * planes.width
        var out = planes
        out.channels = channels
        if planes.channels == 1 {
            out.values = Array([[Float]](repeating: planes.values, count: channels).joined())
            out.bytes = planes.bytes.map { Array([[UInt8]](repeating: $0, count: channels).joined()) }
        } else {
            let v = planes.values
            out.values = (0..<area).map { luma.0 * v[$0] + luma.1 * v[area + $0] + luma.2 * v[2 * area + $0] }
            out.bytes = nil
        }
        return out
    }

    /// The output size when the shorter side becomes `n` (the longer scaled alike, rounded down).
    static func resizedSize(height: Int, width: Int, shorterSide n: Int) -> (height: Int, width: Int) {
        height <= width ? (n, Swift.max(n, n * width / height)) : (Swift.max(n, n * height / width), n)
    }

    /// `planes` resized so its shorter side is `n`, then centre-cropped to `n × n` (crop offset
    /// `⌊(size − n)/2⌋` on each axis). An axis whose size does not change is copied, so an image
    /// that is already `n × n` comes back unchanged; see ``taps(input:output:indices:)`` for the filter.
    static func fitted(_ planes: ImagePlanes, resolution n: Int) -> ImagePlanes {
        let (h, w) = (planes.height, planes.width)
        if h == n && w == n { return planes }
        let (rh, rw) = resizedSize(height: h, width: w, shorterSide: n)
        let (top, left) = ((rh - n) / 2, (rw - n) / 2)
        let c = planes.channels
        // Horizontal pass: [c, h, w] → [c, h, n].
        var wide = [Float](repeating: 0, count: c * h * n)
        var wideBytes: [UInt8]? = nil
        if rw == w {
            for row in 0..<(c * h) { for x in 0..<n { wide[row * n + x] = planes.values[row * w + left + x] } }
            wideBytes = planes.bytes.map { bytes in (0..<(c * h * n)).map { bytes[($0 / n) * w + left + $0 % n] } }
        } else {
            let filter = taps(input: w, output: rw, indices: left..<(left + n))
            for row in 0..<(c * h) {
                for x in 0..<n {
                    var sum = 0.0
                    for (j, weight) in filter[x].weights.enumerated() { sum += weight * Double(planes.values[row * w + filter[x].start + j]) }
                    wide[row * n + x] = Float(sum)
                }
            }
        }
        // Vertical pass: [c, h, n] → [c, n, n].
        var out = [Float](repeating: 0, count: c * n * n)
        var outBytes: [UInt8]? = nil
        if rh == h {
            for k in 0..<c { for y in 0..<n { for x in 0..<n { out[(k * n + y) * n + x] = wide[(k * h + top + y) * n + x] } } }
            outBytes = wideBytes.map { bytes in (0..<(c * n * n)).map { i in bytes[((i / (n * n)) * h + top + (i / n) % n) * n + i % n] } }
        } else {
            let filter = taps(input: h, output: rh, indices: top..<(top + n))
            for k in 0..<c {
                for y in 0..<n {
                    for x in 0..<n {
                        var sum = 0.0
                        for (j, weight) in filter[y].weights.enumerated() { sum += weight * Double(wide[(k * h + filter[y].start + j) * n + x]) }
                        out[(k * n + y) * n + x] = Float(sum)
                    }
                }
            }
        }
        return ImagePlanes(channels: c, height: n, width: n, values: out, bytes: outBytes)
    }

    /// The filter taps of output samples `indices` when an axis of `input` samples is resized to
    /// `output`: PIL's antialiased BILINEAR. With scale `s = input/output` and `f = max(s, 1)`,
    /// output `i` is centred on input coordinate `(i + ½)·s` and weighs input sample `j` (centre
    /// `j + ½`) by the triangle `max(0, 1 − |j + ½ − (i + ½)·s| / f)`, normalised to sum 1: plain
    /// bilinear interpolation when enlarging, a triangle `f` samples wide (averaging all it
    /// covers, so no aliasing) when shrinking.
    static func taps(input: Int, output: Int, indices: Range<Int>) -> [(start: Int, weights: [Double])] {
        let scale = Double(input) / Double(output)
        let width = Swift.max(scale, 1), support = width
        return indices.map { i in
            let centre = (Double(i) + 0.5) * scale
            let low = Swift.max(Int(centre - support + 0.5), 0), high = Swift.min(Int(centre + support + 0.5), input)
            var weights = (low..<Swift.max(high, low)).map { j in Swift.max(0, 1 - Swift.abs((Double(j) - centre + 0.5) / width)) }
            let total = weights.reduce(0, +)
            if total > 0 { weights = weights.map { $0 / total } }
            return (low, weights)
        }
    }
}
