import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Foundation

/// Checkers for the protocols' contracts, for users to run on their own types (as
/// swift-collections ships checkers for its protocols). Each returns one ``ConformanceResult``
/// per property; every built-in and every plugin adapter passes them in DIPP's tests, and the
/// plugin validator runs the same checks on plugins.
public enum Conformance {}

/// One property of a contract, checked.
public struct ConformanceResult: Sendable, CustomStringConvertible {
    public let check: String
    public let passed: Bool
    public let detail: String

    public init(_ check: String, _ passed: Bool, _ detail: String) {
        (self.check, self.passed, self.detail) = (check, passed, detail)
    }

    public var description: String { "\(passed ? "✔" : "✘") \(check): \(detail)" }
}

extension [ConformanceResult] {
    /// Whether every check passed.
    public var allPassed: Bool { allSatisfy(\.passed) }
    /// The failed checks, one per line.
    public var failures: String { filter { !$0.passed }.map(\.description).joined(separator: "\n") }
}

extension Conformance {
    /// `"finite"` and the shape of `y` against `expected`.
    static func shapeAndFinite(_ y: Tensor, expected: [Int], what: String) -> [ConformanceResult] {
        [ConformanceResult("shape", y.shape == expected, "\(what) has shape \(y.shape), expected \(expected)"),
         ConformanceResult("finite", y.storage.allSatisfy(\.isFinite), "\(what) is \(y.storage.allSatisfy(\.isFinite) ? "" : "not ")finite")]
    }
}
