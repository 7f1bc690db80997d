/// Why a safetensors file was rejected. Each case names one specific defect.
public struct SafeTensorsError: DiagnosticError, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be read at all.
        case unreadable
        /// The file ends before the 8-byte header length or before the end of the header.
        case truncated
        /// The header length is implausibly large (over 100 MB).
        case headerTooLarge
        /// The header is not a JSON object.
        case invalidJSON
        /// A tensor entry lacks `dtype`, `shape` or `data_offsets`, or one has the wrong type.
        case invalidEntry
        /// The dtype is not one DIPP reads (F32, F16, BF16, F64).
        case unsupportedDType
        /// `data_offsets` point outside the data section or are reversed.
        case offsetsOutOfRange
        /// The byte range's size does not match `shape` × dtype size.
        case sizeMismatch
        /// The tensors' byte ranges overlap or leave holes in the data section.
        case incompleteBuffer
        /// A requested tensor is not in the file.
        case missingTensor
    }

    public let kind: Kind
    public let location: String
    public let what: String
    public let hint: String

    public init(_ kind: Kind, location: String, what: String, hint: String) {
        self.kind = kind
        self.location = location
        self.what = what
        self.hint = hint
    }
}
