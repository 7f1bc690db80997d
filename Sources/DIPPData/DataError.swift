import DIPPTensor

/// A data file or data-set argument that cannot be used.
public struct DataError: DiagnosticError {
    public let location: String
    public let what: String
    public let hint: String

    public init(location: String, what: String, hint: String) {
        self.location = location
        self.what = what
        self.hint = hint
    }
}
