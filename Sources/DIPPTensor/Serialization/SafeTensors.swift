import Foundation

/// Reads and writes the safetensors format (Hugging Face), the weight format PyTorch
/// researchers share.
///
/// Layout: an 8-byte little-endian header length `N`; `N` bytes of JSON mapping each tensor
/// name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data
/// section), plus an optional `"__metadata__"` string map; then the data section, row-major,
/// little-endian. DIPP writes F32; it reads F32, F16, BF16, F64, I64 and I32 into Float32. Every size and
/// offset is checked before any byte is read, and a defect throws a ``SafeTensorsError``
/// naming it.
///
/// Reference: https://github.com/huggingface/safetensors (format description).
public enum SafeTensors {
    /// Element types DIPP reads.
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
        /// Integer tensors (token and position ids in language-model files), read as Float32:
        /// exact for |v| ≤ 2²⁴.
        case i64 = "I64", i32 = "I32"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f32, .i32: 4
            case .f16, .bf16: 2
            case .f64, .i64: 8
            }
        }
    }

    /// The tensors and metadata of one file.
    public struct Contents {
        /// Tensors by name, converted to Float32.
        public var tensors: [String: Tensor]
        /// The dtype each tensor had in the file.
        public var dtypes: [String: DType]
        /// The `__metadata__` map (empty when absent).
        public var metadata: [String: String]

        public init(tensors: [String: Tensor], dtypes: [String: DType] = [:], metadata: [String: String] = [:]) {
            (self.tensors, self.dtypes, self.metadata) = (tensors, dtypes, metadata)
        }

        /// The tensor called `name`, or a ``SafeTensorsError`` of kind `.missingTensor`.
        public func tensor(_ name: String, source: String = "safetensors file") throws -> Tensor {
            guard let t = tensors[name] else {
                throw SafeTensorsError(.missingTensor, location: source, what: "no tensor named '\(name)'",
                                       hint: "the file holds: \(tensors.keys.sorted().prefix(12).joined(separator: ", "))")
            }
            return t
        }
    }

    static let maximumHeaderBytes = 100_000_000

    // MARK: - Reading

    /// Reads a file.
    public static func read(contentsOf url: URL) throws -> Contents {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafeTensorsError(.unreadable, location: url.path, what: "cannot read the file (\(error.localizedDescription))",
                                   hint: "check the path and its permissions")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes the bytes of a safetensors file. `source` names it in errors.
    public static func decode(_ data: Data, source: String = "safetensors data") throws -> Contents {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw SafeTensorsError(.truncated, location: source,
                                   what: "the file has \(bytes.count) bytes, fewer than the 8-byte header length",
                                   hint: "the file is truncated or not a safetensors file")
        }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw SafeTensorsError(.headerTooLarge, location: source,
                                   what: "the header claims \(headerLength) bytes (limit \(maximumHeaderBytes))",
                                   hint: "the file is corrupt or not a safetensors file")
        }
        let dataStart = 8 + Int(headerLength)
        guard bytes.count >= dataStart else {
            throw SafeTensorsError(.truncated, location: source,
                                   what: "the header claims \(headerLength) bytes but only \(bytes.count - 8) follow",
                                   hint: "the file was cut short; write it again")
        }
        let header = try parseHeader(Data(bytes[8..<dataStart]), source: source)
        let dataLength = bytes.count - dataStart
        var contents = Contents(tensors: [:], dtypes: [:], metadata: header.metadata)
        var ranges: [(Int, Int, String)] = []
        for entry in header.entries {
            let here = "\(source), tensor '\(entry.name)'"
            guard entry.begin <= entry.end, entry.end <= dataLength else {
                throw SafeTensorsError(.offsetsOutOfRange, location: here,
                                       what: "data_offsets [\(entry.begin), \(entry.end)] fall outside the \(dataLength)-byte data section",
                                       hint: "the file is truncated or its header is corrupt")
            }
            let elements = Shape.count(entry.shape)
            guard entry.end - entry.begin == elements * entry.dtype.size else {
                throw SafeTensorsError(.sizeMismatch, location: here,
                                       what: "shape \(entry.shape) of \(entry.dtype.rawValue) needs \(elements * entry.dtype.size) bytes, data_offsets give \(entry.end - entry.begin)",
                                       hint: "the header is corrupt; re-export the tensor")
            }
            ranges.append((entry.begin, entry.end, entry.name))
            let values = convert(bytes, from: dataStart + entry.begin, count: elements, dtype: entry.dtype)
            contents.tensors[entry.name] = Tensor(shape: entry.shape, storage: values)
            contents.dtypes[entry.name] = entry.dtype
        }
        var covered = 0
        for (begin, end, name) in ranges.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            guard begin == covered else {
                throw SafeTensorsError(.incompleteBuffer, location: "\(source), tensor '\(name)'",
                                       what: begin < covered ? "its bytes overlap another tensor's" : "bytes \(covered)..<\(begin) belong to no tensor",
                                       hint: "the header is corrupt; re-export the file")
            }
            covered = end
        }
        guard covered == dataLength else {
            throw SafeTensorsError(.incompleteBuffer, location: source,
                                   what: "the data section has \(dataLength) bytes but the tensors cover \(covered)",
                                   hint: "the file has trailing bytes or a corrupt header")
        }
        return contents
    }

    struct Entry {
        let name: String
        let dtype: DType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    static func parseHeader(_ json: Data, source: String) throws -> (entries: [Entry], metadata: [String: String]) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw SafeTensorsError(.invalidJSON, location: "\(source), header",
                                   what: "the header is not valid JSON", hint: "the file is corrupt or not a safetensors file")
        }
        guard let root = object as? [String: Any] else {
            throw SafeTensorsError(.invalidJSON, location: "\(source), header",
                                   what: "the header is JSON but not an object", hint: "the file is corrupt or not a safetensors file")
        }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in root {
            if name == "__metadata__" {
                guard let map = value as? [String: Any], map.values.allSatisfy({ $0 is String }) else {
                    throw SafeTensorsError(.invalidEntry, location: "\(source), __metadata__",
                                           what: "__metadata__ must map strings to strings", hint: "fix or drop the metadata")
                }
                metadata = map.mapValues { $0 as! String }
                continue
            }
            entries.append(try parseEntry(name: name, value, source: source))
        }
        return (entries.sorted { $0.name < $1.name }, metadata)
    }

    private static func parseEntry(name: String, _ value: Any, source: String) throws -> Entry {
        let here = "\(source), tensor '\(name)'"
        func invalid(_ what: String) -> SafeTensorsError {
            SafeTensorsError(.invalidEntry, location: here, what: what,
                             hint: "each entry needs \"dtype\" (string), \"shape\" (array of integers ≥ 0) and \"data_offsets\" ([begin, end])")
        }
        guard let fields = value as? [String: Any] else { throw invalid("the entry is not a JSON object") }
        guard let dtypeName = fields["dtype"] as? String else { throw invalid("missing or non-string \"dtype\"") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw SafeTensorsError(.unsupportedDType, location: here, what: "dtype \(dtypeName) is not supported",
                                   hint: "DIPP reads \(DType.allCases.map(\.rawValue).joined(separator: ", ")); convert the tensor to float32 before saving")
        }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw invalid("\"shape\" is missing or not an array of integers ≥ 0")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2, offsets.allSatisfy({ $0 >= 0 }) else {
            throw invalid("\"data_offsets\" is missing or not two integers ≥ 0")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    /// An array of JSON integers (JSON booleans and fractional numbers are rejected).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for item in array {
            // swift-corelibs-foundation hands JSON numbers over as NSNumber; a JSON boolean is
            // an NSNumber of Objective-C type "c".
            guard let number = item as? NSNumber, String(cString: number.objCType) != "c",
                  let exact = Int(exactly: number.doubleValue) else { return nil }
            out.append(exact)
        }
        return out
    }

    static func convert(_ bytes: [UInt8], from start: Int, count: Int, dtype: DType) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let at = start + i * dtype.size
                switch dtype {
                case .f32:
                    out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
                case .f16:
                    out[i] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian))
                case .bf16:
                    out[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian) << 16)
                case .f64:
                    out[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian))
                case .i64:
                    out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                case .i32:
                    out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                }
            }
        }
        return out
    }

    // MARK: - Writing

    /// Encodes tensors (as F32) and metadata; tensors are laid out in name order and the header
    /// is padded with spaces to a multiple of 8 bytes, as the reference implementation does.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            let bytes = t.count * 4
            parts.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for name in names {
            tensors[name]!.storage.withUnsafeBufferPointer { values in
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            }
        }
        return out
    }

    /// Writes tensors to `url` atomically (a temporary file renamed into place), so an
    /// interrupted write never leaves a half-written file under the final name.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try encode(tensors, metadata: metadata).write(to: url, options: .atomic)
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
