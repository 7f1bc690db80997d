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

/// The part of DIPP a ``Diagnostic`` comes from: configuration, data, text encoder, environment.
public protocol DiagnosticDomain: Sendable {
    /// The domain's name in messages (`"configuration"`).
    static var name: String { get }
}

/// The one what/where/hint error: a ``DiagnosticDomain`` tells its domain, so each domain is its
/// own type to `catch` (``ConfigurationError``, ``DataError``, …) while they share this code,
/// and an underlying error is kept as ``cause`` instead of being flattened into ``what``.
public struct Diagnostic<Domain: DiagnosticDomain>: DiagnosticError {
    public let location: String
    public let what: String
    public let hint: String
    /// The error this one was raised for (a decoding error, a file-system error), if any.
    public let cause: (any Error)?

    public init(location: String, what: String, hint: String, cause: (any Error)? = nil) {
        (self.location, self.what, self.hint, self.cause) = (location, what, hint, cause)
    }

    public var domain: String { Domain.name }

    public var description: String {
        "\(location): \(what)" + (cause.map { " (\(Self.summary(of: $0)))" } ?? "") + "\nHint: \(hint)"
    }

    /// One line for an underlying error: a diagnostic's own what, else its description.
    static func summary(of error: any Error) -> String {
        if let d = error as? any DiagnosticError { return d.what }
        return "\(error)"
    }
}

public enum ConfigurationDomain: DiagnosticDomain { public static let name = "configuration" }
public enum DataDomain: DiagnosticDomain { public static let name = "data" }
public enum TextEncoderDomain: DiagnosticDomain { public static let name = "text encoder" }
public enum EnvironmentDomain: DiagnosticDomain { public static let name = "environment" }

/// A configuration file or value that cannot be used.
public typealias ConfigurationError = Diagnostic<ConfigurationDomain>
/// A data file or data-set argument that cannot be used.
public typealias DataError = Diagnostic<DataDomain>
/// A text-encoder file is missing or malformed.
public typealias TextEncoderError = Diagnostic<TextEncoderDomain>
/// A compute setting from the environment that DIPP cannot use: `DIPP_PRECISION`,
/// `DIPP_CONVOLUTION`, `DIPP_THREADS` or `DIPP_MAX_ISA` set to a value none of its choices
/// names.
public typealias EnvironmentError = Diagnostic<EnvironmentDomain>
