import Foundation

/// Writes scalar curves as TensorBoard event files (`events.out.tfevents.<time>.<host>.<pid>`), the
/// format TensorBoard, `tensorboard.backend.event_processing` and tbparse read.
///
/// File layout: TFRecord framing — per record `uint64 length`, `uint32 masked_crc32c(length)`,
/// the bytes, `uint32 masked_crc32c(bytes)` (all little-endian; `mask(c) = ((c >> 15) |
/// (c << 17)) + 0xa282ead8`) — around serialized `tensorflow.Event` protocol buffers: a first
/// event with `file_version = "brain.Event:2"`, then one event per step with a `Summary` of
/// `(tag, simple_value)` pairs. The protobuf fields are encoded by hand (five fields).
public final class TensorBoardWriter {
    public let url: URL
    private let handle: FileHandle

    /// Creates a new event file in `folder`.
    public init(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
        // A new file per writer; a resumed run in the same second must not overwrite the last one.
        let stem = "events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host).\(getpid())"
        var name = stem, n = 1
        while FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            n += 1
            name = "\(stem).\(n)"
        }
        url = folder.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        var event = Protobuf()
        event.double(field: 1, Date().timeIntervalSince1970)
        event.string(field: 3, "brain.Event:2")
        try write(record: event.bytes)
    }

    deinit { try? handle.close() }

    /// Appends one event with the given scalars at `step`.
    public func add(step: Int, scalars: [(String, Float)]) throws {
        var summary = Protobuf()
        for (tag, value) in scalars {
            var v = Protobuf()
            v.string(field: 1, tag)
            v.float(field: 2, value)
            summary.message(field: 1, v.bytes)
        }
        var event = Protobuf()
        event.double(field: 1, Date().timeIntervalSince1970)
        event.varint(field: 2, UInt64(step))
        event.message(field: 5, summary.bytes)
        try write(record: event.bytes)
    }

    /// Flushes to disk.
    public func flush() throws { try handle.synchronize() }

    private func write(record data: [UInt8]) throws {
        var out: [UInt8] = []
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        out += length
        out += withUnsafeBytes(of: CRC32C.masked(length).littleEndian, Array.init)
        out += data
        out += withUnsafeBytes(of: CRC32C.masked(data).littleEndian, Array.init)
        try handle.write(contentsOf: out)
    }
}

extension TensorBoardWriter {
    /// Rewrites the event file at `url` without the events of steps after `step` (atomically;
    /// the file-version event and a torn last record are handled: the first kept, the second
    /// dropped).
    static func cut(_ url: URL, after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        let bytes = [UInt8](data)
        var kept: [UInt8] = [], at = 0, changed = false
        while at + 12 <= bytes.count {
            let length = bytes[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard length >= 0, length <= bytes.count, at + 16 + length <= bytes.count else { changed = true; break }
            let end = at + 16 + length
            if (Protobuf.varintField(2, in: Array(bytes[(at + 12)..<(at + 12 + length)])) ?? 0) <= UInt64(step) {
                kept += bytes[at..<end]
            } else {
                changed = true
            }
            at = end
        }
        if at < bytes.count { changed = true }
        guard changed else { return }
        try Data(kept).write(to: url, options: .atomic)
    }
}

/// Minimal protocol-buffer encoding (wire types 0, 1, 2, 5).
struct Protobuf {
    var bytes: [UInt8] = []

    mutating func key(_ field: Int, _ wireType: Int) { rawVarint(UInt64(field << 3 | wireType)) }

    mutating func rawVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    mutating func varint(field: Int, _ value: UInt64) { key(field, 0); rawVarint(value) }
    mutating func double(field: Int, _ value: Double) {
        key(field, 1); bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
    }
    mutating func float(field: Int, _ value: Float) {
        key(field, 5); bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
    }
    mutating func message(field: Int, _ payload: [UInt8]) { key(field, 2); rawVarint(UInt64(payload.count)); bytes += payload }
    mutating func string(field: Int, _ text: String) { message(field: field, Array(text.utf8)) }

    /// The value of varint field `field` at the top level of `message`, if present.
    static func varintField(_ field: Int, in message: [UInt8]) -> UInt64? {
        var at = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while at < message.count, shift < 64 {
                let byte = message[at]
                at += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        while at < message.count {
            guard let key = varint() else { return nil }
            switch key & 7 {
            case 0:
                guard let v = varint() else { return nil }
                if Int(key >> 3) == field { return v }
            case 1: at += 8
            case 2:
                guard let n = varint() else { return nil }
                at += Int(clamping: n)
            case 5: at += 4
            default: return nil
            }
        }
        return nil
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord uses.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    static func checksum(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func masked(_ data: [UInt8]) -> UInt32 {
        let c = checksum(data)
        return ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
    }
}
