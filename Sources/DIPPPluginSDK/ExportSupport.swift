import CDIPPPluginABI
import DIPPDiffusion
import Foundation

/// A numeric hyper-parameter a Swift plugin declares: its default and inclusive range.
public struct HyperparameterDeclaration: Sendable {
    public let name: String
    public let description: String
    public let defaultValue: Double
    public let minimum: Double
    public let maximum: Double

    public init(_ name: String, _ description: String, default defaultValue: Double, range: ClosedRange<Double>) {
        (self.name, self.description, self.defaultValue) = (name, description, defaultValue)
        (minimum, maximum) = (range.lowerBound, range.upperBound)
    }
}

/// A refused argument, reported to the host as `DIPP_ERROR_INVALID_ARGUMENT` with this message.
public struct PluginArgumentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What both exports share: C strings and tables that live as long as the process, the error
/// buffer protocol, and hyper-parameter resolution.
enum ExportSupport {
    static func cString(_ s: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(s)!) }

    static func shape(_ values: [Int]) -> UnsafePointer<Int64> {
        let shape = UnsafeMutablePointer<Int64>.allocate(capacity: max(values.count, 1))
        for (i, v) in values.enumerated() { shape[i] = Int64(v) }
        return UnsafePointer(shape)
    }

    static func hyperparameterTable(_ declarations: [HyperparameterDeclaration]) -> UnsafePointer<dipp_hyperparameter>? {
        guard !declarations.isEmpty else { return nil }
        let table = UnsafeMutablePointer<dipp_hyperparameter>.allocate(capacity: declarations.count)
        for (i, h) in declarations.enumerated() {
            table[i] = dipp_hyperparameter(struct_size: UInt32(MemoryLayout<dipp_hyperparameter>.size), name: cString(h.name),
                                           description: cString(h.description), default_value: h.defaultValue, minimum: h.minimum, maximum: h.maximum)
        }
        return UnsafePointer(table)
    }

    /// The plugin info table whose `get_capability` is `lookup`.
    static func info(id: String, name: String, version: String,
                     lookup: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer?) -> UnsafeMutablePointer<dipp_plugin_info> {
        let info = UnsafeMutablePointer<dipp_plugin_info>.allocate(capacity: 1)
        info.initialize(to: dipp_plugin_info(struct_size: UInt32(MemoryLayout<dipp_plugin_info>.size), abi_major: DIPP_ABI_MAJOR,
                                             abi_minor: DIPP_ABI_MINOR, id: cString(id), name: cString(name), version: cString(version),
                                             get_capability: lookup))
        return info
    }

    /// `count` values from the host, defaults for the missing ones, each checked against its range.
    static func resolve(_ values: UnsafePointer<Double>?, _ count: UInt32, _ declarations: [HyperparameterDeclaration]) throws -> [Double] {
        guard count == 0 || values != nil else { throw PluginArgumentError("NULL hyper-parameter pointer") }
        guard Int(count) <= declarations.count else { throw PluginArgumentError("\(count) hyper-parameters, \(declarations.count) declared") }
        return try declarations.enumerated().map { i, h in
            let value = i < Int(count) ? values![i] : h.defaultValue
            guard value >= h.minimum && value <= h.maximum else { throw PluginArgumentError("\(h.name) = \(value) is outside [\(h.minimum), \(h.maximum)]") }
            return value
        }
    }

    /// Writes `text` (truncated, NUL-terminated) into the caller's buffer.
    static func write(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, size: Int) {
        guard let buffer, size > 0 else { return }
        let bytes = Array(text.utf8.prefix(size - 1))
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[bytes.count] = 0
    }

    /// `create`'s body: the object `make` builds, retained, becomes the instance; a thrown error
    /// becomes a status and a message.
    static func retain(_ make: () throws -> AnyObject, into instance: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
                       _ message: UnsafeMutablePointer<CChar>?, _ size: Int) -> dipp_status {
        do {
            instance.pointee = Unmanaged.passRetained(try make()).toOpaque()
            return DIPP_OK
        } catch {
            return status(for: error, message, size)
        }
    }

    /// The status for a thrown error (its message written into the caller's buffer).
    static func status(for error: Error, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) -> dipp_status {
        write("\(error)", to: buffer, size: size)
        return error is PluginArgumentError ? DIPP_ERROR_INVALID_ARGUMENT : DIPP_ERROR_INTERNAL
    }

    /// ABI 1.0 label conditions (`nil` for a negative batch); NULL labels mean `∅`.
    static func labelConditions(_ labels: UnsafePointer<Int32>?, _ batch: Int64) -> Conditions? {
        guard batch >= 0 else { return nil }
        return Conditions(labels: (0..<Int(batch)).map { i in labels.map { Int($0[i]) } ?? Conditions.nullLabel })
    }

    /// ABI 1.1 conditions, every modality, with 1.2's prompt strings when the host sends them
    /// (`nil` when malformed: negative batch, missing labels or null mask, a dimension without
    /// its buffer). A 1.1 host's smaller struct is read up to its size.
    static func conditions(_ c: UnsafePointer<dipp_conditions>?) -> Conditions? {
        let size11 = MemoryLayout<dipp_conditions>.offset(of: \dipp_conditions.prompts)!
        guard let c else { return nil }
        // Copy only the bytes the host's struct has; later fields stay zero (NULL).
        let size = Int(UnsafeRawPointer(c).load(as: UInt32.self))
        guard size >= size11 else { return nil }
        var s = dipp_conditions()
        withUnsafeMutableBytes(of: &s) { $0.copyMemory(from: UnsafeRawBufferPointer(start: c, count: min(size, $0.count))) }
        guard s.batch >= 0, let labels = s.labels, let mask = s.null_mask else { return nil }
        let n = Int(s.batch)
        func floats(_ p: UnsafePointer<Float>?, _ count: Int) -> [Float]? { p.map { Array(UnsafeBufferPointer(start: $0, count: count)) } }
        var text: TextEmbedding?
        if s.text_dimension > 0 {
            let (dim, t) = (Int(s.text_dimension), Int(s.text_tokens))
            guard let pooled = floats(s.text_pooled, n * dim) else { return nil }
            let tokens = t > 0 ? floats(s.text_token_embeddings, n * t * dim) : []
            let tokenMask = t > 0 ? floats(s.text_token_mask, n * t) : []
            guard let tokens, let tokenMask else { return nil }
            let prompts = s.prompts.map { p in (0..<n).map { p[$0].map { String(cString: $0) } ?? "" } }
            text = TextEmbedding(dimension: dim, pooled: pooled, tokenCount: t, tokens: tokens, tokenMask: tokenMask, prompts: prompts)
        }
        var camera: CameraPose?
        if s.camera_dimension > 0 {
            guard let values = floats(s.camera, n * Int(s.camera_dimension)) else { return nil }
            camera = CameraPose(dimension: Int(s.camera_dimension), values: values)
        }
        return Conditions(count: n, labels: (0..<n).map { Int(labels[$0]) }, text: text, camera: camera, isNull: (0..<n).map { mask[$0] != 0 })
    }
}
