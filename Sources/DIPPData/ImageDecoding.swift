import CDIPPIO
import DIPPTensor
import Foundation

/// One PNG or JPEG as ``Files/readImage(_:)`` decodes it.
public struct DecodedImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (palettes expanded; PNG tRNS is alpha).
    public let channels: Int
    /// Bits per sample decoded: 8 (8-bit and lower-depth PNGs, every JPEG) or 16 (16-bit PNGs).
    public let bitDepth: Int
    /// Row-major HWC samples in [0, 1]: colour sRGB-encoded (the values a viewer shows), alpha
    /// straight (colour not premultiplied). 8-bit: `v/255`; 16-bit: `v/65535` up to the re-encoding
    /// described at ``Files/readImage(_:)``.
    public let values: [Float]
    /// The 8-bit samples `values` came from (`values[i] == Float(bytes[i]) / 255`), `nil` for 16-bit
    /// images: lets loaders compute from the byte itself when nothing else changes it.
    public let bytes: [UInt8]?

    public init(width: Int, height: Int, channels: Int, bitDepth: Int, values: [Float], bytes: [UInt8]?) {
        precondition(values.count == width * height * channels && (bytes.map { $0.count == values.count } ?? true),
                     "DecodedImage: \(values.count) values for \(width)x\(height)x\(channels)")
        (self.width, self.height, self.channels, self.bitDepth, self.values, self.bytes) = (width, height, channels, bitDepth, values, bytes)
    }

    public var hasAlpha: Bool { channels == 2 || channels == 4 }
    /// Grey or grey + alpha.
    public var isGrey: Bool { channels <= 2 }
}

extension Files {
    /// libpng's file gamma for sRGB-encoded data (`PNG_GAMMA_sRGB_INVERSE`, 45455/100000): its
    /// simplified API linearises 16-bit data as `linear = encoded^(1/0.45455)`.
    static let pngSRGBGamma = 0.45455

    /// Decodes a PNG or a JPEG, told apart by its first bytes (not its extension).
    ///
    /// 8-bit (and lower-depth) PNGs and JPEGs: `v/255` of the stored sample. 16-bit PNGs come from
    /// libpng's simplified API as linear light premultiplied by alpha (a file without gAMA/sRGB/iCCP
    /// chunks taken as sRGB-encoded, as 8-bit files are); they are brought back to the 8-bit files'
    /// convention here: straight colour `c = p/α` (0 where α = 0), re-encoded `c^0.45455` — libpng's
    /// own curve inverted, so an untagged file gives its stored `v/65535` within 16-bit rounding of
    /// the linear value (about 3·10⁻³ at worst, in the darkest tones).
    /// - Throws: ``DataError`` naming the file: "empty file", "not a PNG or JPEG (first bytes …)",
    ///   or libpng's/libjpeg's message (truncated or corrupt data, CMYK JPEGs).
    public static func readImage(_ path: String) throws -> DecodedImage {
        var pointer: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0, channels: Int32 = 0, bytesPerSample: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        guard dipp_read_image(path, &pointer, &width, &height, &channels, &bytesPerSample, &message, message.count) == 0,
              let pointer else {
            throw DataError(location: path, what: text(message), hint: "the file must be a complete PNG or JPEG image")
        }
        defer { dipp_free(pointer) }
        let (w, h, c) = (Int(width), Int(height), Int(channels))
        let count = w * h * c
        if bytesPerSample == 1 {
            let bytes = Array(UnsafeBufferPointer(start: pointer, count: count))
            return DecodedImage(width: w, height: h, channels: c, bitDepth: 8, values: bytes.map { Float($0) / 255 }, bytes: bytes)
        }
        let samples = UnsafeRawPointer(pointer).bindMemory(to: UInt16.self, capacity: count)
        var values = [Float](repeating: 0, count: count)
        let colour = c == 2 || c == 4 ? c - 1 : c
        for pixel in 0..<(w * h) {
            let base = pixel * c
            let alpha = colour < c ? Double(samples[base + colour]) / 65535 : 1
            for k in 0..<colour {
                let premultiplied = Double(samples[base + k]) / 65535
                let linear = alpha > 0 ? Swift.min(premultiplied / alpha, 1) : 0
                values[base + k] = Float(pow(linear, pngSRGBGamma))
            }
            if colour < c { values[base + colour] = Float(alpha) }
        }
        return DecodedImage(width: w, height: h, channels: c, bitDepth: 16, values: values, bytes: nil)
    }

    /// Writes a PNG sample for sample (every colour type and depth; test images): `colorType` as in
    /// the PNG header (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA), `bitDepth` 8 or 16 (16-bit
    /// samples big-endian, as the file stores them), `palette` RGB triples and `transparency` tRNS
    /// alphas for colour type 3; `gamma` > 0 writes a gAMA chunk.
    public static func writeRawPNG(_ samples: [UInt8], width: Int, height: Int, bitDepth: Int, colorType: Int,
                                   palette: [UInt8] = [], transparency: [UInt8] = [], gamma: Double = 0, to path: String) throws {
        let perPixel = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType] ?? 0
        precondition(perPixel > 0 && samples.count == width * height * perPixel * bitDepth / 8 && palette.count % 3 == 0,
                     "writeRawPNG: \(samples.count) bytes for \(width)x\(height), colour type \(colorType), \(bitDepth) bits")
        var message = [CChar](repeating: 0, count: 256)
        try atomically(path) { temporary in
            let status = palette.withUnsafeBufferPointer { p in
                transparency.withUnsafeBufferPointer { t in
                    dipp_write_png_raw(temporary, Int32(width), Int32(height), Int32(bitDepth), Int32(colorType), samples,
                                       p.baseAddress, Int32(palette.count / 3), t.baseAddress, Int32(transparency.count), gamma,
                                       &message, message.count)
                }
            }
            guard status == 0 else {
                throw DataError(location: path, what: text(message), hint: "check the folder exists and is writable")
            }
        }
    }

    /// Writes a baseline JPEG (atomically) with 1 (grey) or 3 (RGB) interleaved 8-bit channels at
    /// `quality` 1…100.
    public static func writeJPEG(_ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95, to path: String) throws {
        precondition(pixels.count == width * height * channels, "writeJPEG: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        var message = [CChar](repeating: 0, count: 256)
        try atomically(path) { temporary in
            guard dipp_write_jpeg(temporary, Int32(width), Int32(height), Int32(channels), pixels, Int32(quality), &message,
                                  message.count) == 0 else {
                throw DataError(location: path, what: text(message), hint: "check the folder exists and is writable")
            }
        }
    }
}
