/// An error a user can cause and fix (a malformed file, a bad argument), reported as
/// *what* went wrong, *where*, and a *hint* on how to fix it.
public protocol DiagnosticError: Error, CustomStringConvertible {
    /// What was wrong, in one sentence.
    var what: String { get }
    /// Where: a file path, a key, a tensor name, a command-line flag.
    var location: String { get }
    /// How to fix it.
    var hint: String { get }
}

// MARK: - Default implementations

extension DiagnosticError {
    public var description: String { "\(location): \(what)\nHint: \(hint)" }
}
