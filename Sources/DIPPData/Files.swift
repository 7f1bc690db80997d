import CDIPPIO
import DIPPTensor
import Foundation

/// Whole-file reads and writes through zlib, libpng and libjpeg-turbo.
public enum Files {
    /// The versions of libpng and zlib linked at run time, and libjpeg's built against (for `dipp info`).
    public static var libraryVersions: [(name: String, version: String)] {
        [("libpng", String(cString: dipp_libpng_version())), ("zlib", String(cString: dipp_zlib_version())),
         ("libjpeg", String(cString: dipp_libjpeg_version()))]
    }

    /// The bytes of `path`, gunzipped when the file is gzip-compressed.
    public static func readGzip(_ path: String) throws -> [UInt8] {
        var pointer: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        guard dipp_read_gzip_file(path, &pointer, &length, &message, message.count) == 0, let pointer else {
            throw DataError(location: path, what: text(message),
                            hint: "check that the file exists and is a complete gzip (or plain) file")
        }
        defer { dipp_free(pointer) }
        return Array(UnsafeBufferPointer(start: pointer, count: length))
    }

    /// Writes `bytes` gzip-compressed to `path` (atomically).
    public static func writeGzip(_ bytes: [UInt8], to path: String) throws {
        var message = [CChar](repeating: 0, count: 256)
        try atomically(path) { temporary in
            guard dipp_write_gzip_file(temporary, bytes, bytes.count, &message, message.count) == 0 else {
                throw DataError(location: path, what: text(message), hint: "check the folder exists and is writable")
            }
        }
    }

    /// Runs `write` on a temporary file beside `path`, then renames it into place: a process
    /// killed at any moment leaves either the old file or the new one, never a partial one.
    public static func atomically(_ path: String, _ write: (String) throws -> Void) throws {
        let temporary = path + ".partial-\(getpid())"
        do {
            try write(temporary)
            guard rename(temporary, path) == 0 else {
                throw DataError(location: path, what: "cannot rename the finished file into place (errno \(errno))",
                                hint: "check the folder is writable")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Writes an 8-bit PNG (atomically) with 1 (grey) or 3 (RGB) interleaved channels, rows top to bottom.
    public static func writePNG(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to path: String) throws {
        precondition(pixels.count == width * height * channels, "writePNG: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        var message = [CChar](repeating: 0, count: 256)
        try atomically(path) { temporary in
            guard dipp_write_png(temporary, Int32(width), Int32(height), Int32(channels), pixels, &message, message.count) == 0 else {
                throw DataError(location: path, what: text(message), hint: "check the folder exists and is writable")
            }
        }
    }

    /// Reads a PNG as 1 (grey) or 3 (RGB) channels.
    public static func readPNG(_ path: String, channels: Int) throws -> (pixels: [UInt8], width: Int, height: Int) {
        var pointer: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        guard dipp_read_png(path, Int32(channels), &pointer, &width, &height, &message, message.count) == 0, let pointer else {
            throw DataError(location: path, what: text(message), hint: "the file must be a PNG image")
        }
        defer { dipp_free(pointer) }
        return (Array(UnsafeBufferPointer(start: pointer, count: Int(width) * Int(height) * channels)), Int(width), Int(height))
    }

    /// The NUL-terminated C message in `buffer`.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
