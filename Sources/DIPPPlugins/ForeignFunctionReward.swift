import CDIPPFFI
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

/// A reward from any exported C function of an existing `.so`, called through libffi with a
/// signature declared at run time — a scoring function used with no plugin boilerplate.
///
/// Spec (`--reward ffi:SPEC`): `PATH:DECLARATION[;grad=DECLARATION]`, e.g.
/// `libscore.so:float ink(const float *x, int64_t n);grad=void ink_grad(const float *x, int64_t n, float *g)`.
/// Supported: score `R f(const float *x, L n)` or `R f(L n, const float *x)`; gradient
/// `void g(const float *x, L n, float *grad)`; `R` ∈ {float, double}, `L` ∈ {int64_t, long,
/// int32_t, int}. Declarations are parsed and checked, and the symbols looked up, before
/// anything is called. Without a gradient function, `∇ₓr` comes from central finite
/// differences (`ε = 1e-3`, 2·n calls per sample) and ``usesFiniteDifferences`` says so.
public final class ForeignFunctionReward: RewardModel, @unchecked Sendable {
    public struct Declaration: Equatable, Sendable {
        public let symbol: String
        public let returnsDouble: Bool
        public let lengthIs32Bit: Bool
        public let lengthFirst: Bool

        public init(symbol: String, returnsDouble: Bool, lengthIs32Bit: Bool, lengthFirst: Bool) {
            (self.symbol, self.returnsDouble, self.lengthIs32Bit, self.lengthFirst) = (symbol, returnsDouble, lengthIs32Bit, lengthFirst)
        }
    }

    public let path: String
    public let score: Declaration
    public let gradient: Declaration?
    let scoreFunction: UnsafeMutableRawPointer
    let gradientFunction: UnsafeMutableRawPointer?

    public var usesFiniteDifferences: Bool { gradientFunction == nil }
    public var name: String { "ffi:\(score.symbol)" }

    /// Parses `PATH:DECLARATION[;grad=DECLARATION]` and resolves the symbols.
    public convenience init(spec: String) throws {
        let (path, score, gradient) = try Self.split(spec: spec)
        try self.init(path: path, score: score, gradient: gradient)
    }

    /// The parts of `PATH:DECLARATION[;grad=DECLARATION]`, checked for form (nothing is loaded).
    public static func split(spec: String) throws -> (path: String, score: String, gradient: String?) {
        guard let colon = spec.firstIndex(of: ":") else {
            throw PluginError(.invalidSignature, location: "ffi:\(spec)", what: "expected PATH:DECLARATION",
                              hint: "e.g. ffi:libscore.so:float score(const float *x, int64_t n)")
        }
        let path = String(spec[..<colon])
        let rest = spec[spec.index(after: colon)...].split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let score = rest.first, !score.isEmpty else {
            throw PluginError(.invalidSignature, location: "ffi:\(spec)", what: "no declaration after the path",
                              hint: "e.g. ffi:libscore.so:float score(const float *x, int64_t n)")
        }
        var gradient: String?
        if rest.count == 2 {
            guard rest[1].hasPrefix("grad=") else {
                throw PluginError(.invalidSignature, location: "ffi:\(spec)", what: "the part after ';' must start with grad=",
                                  hint: "e.g. ;grad=void score_grad(const float *x, int64_t n, float *g)")
            }
            gradient = String(rest[1].dropFirst("grad=".count))
        }
        return (path, score, gradient)
    }

    public init(path given: String, score: String, gradient: String?) throws {
        let path = URL(fileURLWithPath: given).standardizedFileURL.path
        self.path = path
        self.score = try Self.parse(score, gradient: false)
        self.gradient = try gradient.map { try Self.parse($0, gradient: true) }
        guard FileManager.default.fileExists(atPath: path) else {
            throw PluginError(.notLoadable, location: path, what: "the file does not exist",
                              hint: "check the path (relative paths are resolved against the current folder)")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw PluginError(.notLoadable, location: path, what: "dlopen failed: \(reason)", hint: "pass a shared library (.so) built for this machine")
        }
        guard let s = dlsym(handle, self.score.symbol) else {
            throw PluginError(.missingSymbol, location: path, what: "the library does not export '\(self.score.symbol)'",
                              hint: "check the function name (nm -D \(path))")
        }
        scoreFunction = s
        if let g = self.gradient {
            guard let gf = dlsym(handle, g.symbol) else {
                throw PluginError(.missingSymbol, location: path, what: "the library does not export '\(g.symbol)'",
                                  hint: "check the gradient function's name (nm -D \(path))")
            }
            gradientFunction = gf
        } else {
            gradientFunction = nil
        }
    }

    /// Parses one C declaration into a supported signature, or throws naming what is wrong.
    public static func parse(_ text: String, gradient: Bool) throws -> Declaration {
        let compact = text.replacingOccurrences(of: "*", with: " * ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        func fail(_ what: String) -> PluginError {
            PluginError(.invalidSignature, location: "'\(text)'", what: what,
                        hint: gradient ? "use: void NAME(const float *x, int64_t n, float *grad)"
                                       : "use: float|double NAME(const float *x, int64_t|int32_t n)")
        }
        guard let open = compact.firstIndex(of: "("), compact.hasSuffix(")") else { throw fail("not a function declaration") }
        let head = compact[..<open].split(separator: " ").map(String.init)
        guard head.count == 2 else { throw fail("expected 'RETURN NAME(…)'") }
        let (returnType, symbol) = (head[0], head[1])
        guard symbol.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !symbol.isEmpty else { throw fail("'\(symbol)' is not a C identifier") }
        let parameters = compact[compact.index(after: open)..<compact.index(before: compact.endIndex)]
            .split(separator: ",").map { $0.split(separator: " ").map(String.init) }
        func isInput(_ p: [String]) -> Bool { p.count >= 3 && p[0] == "const" && p[1] == "float" && p[2] == "*" }
        func isOutput(_ p: [String]) -> Bool { p.count >= 2 && p[0] == "float" && p[1] == "*" }
        func lengthKind(_ p: [String]) -> Bool? {
            guard let t = p.first, p.count <= 2 else { return nil }
            switch t {
            case "int64_t", "long", "ssize_t": return false
            case "int32_t", "int": return true
            default: return nil
            }
        }
        if gradient {
            guard returnType == "void" else { throw fail("a gradient function returns void, not \(returnType)") }
            guard parameters.count == 3, isInput(parameters[0]), let is32 = lengthKind(parameters[1]), isOutput(parameters[2]) else {
                throw fail("a gradient function takes (const float *x, integer n, float *grad)")
            }
            return Declaration(symbol: symbol, returnsDouble: false, lengthIs32Bit: is32, lengthFirst: false)
        }
        guard returnType == "float" || returnType == "double" else { throw fail("the score must return float or double, not \(returnType)") }
        guard parameters.count == 2 else { throw fail("the score takes two parameters, found \(parameters.count)") }
        if isInput(parameters[0]), let is32 = lengthKind(parameters[1]) {
            return Declaration(symbol: symbol, returnsDouble: returnType == "double", lengthIs32Bit: is32, lengthFirst: false)
        }
        if isInput(parameters[1]), let is32 = lengthKind(parameters[0]) {
            return Declaration(symbol: symbol, returnsDouble: returnType == "double", lengthIs32Bit: is32, lengthFirst: true)
        }
        throw fail("the parameters must be one 'const float *' and one integer length")
    }

    /// Scores of `batch` samples of `n` values.
    public func scores(_ x: [Float], n: Int) -> [Float] {
        let batch = x.count / max(n, 1)
        var out = [Double](repeating: 0, count: batch)
        let status = dipp_ffi_score(scoreFunction, Int32(score.returnsDouble ? DIPP_FFI_DOUBLE : DIPP_FFI_FLOAT),
                                    Int32(score.lengthIs32Bit ? DIPP_FFI_INT32 : DIPP_FFI_INT64), score.lengthFirst ? 1 : 0,
                                    x, Int64(n), Int64(batch), &out)
        return status == 0 ? out.map(Float.init) : [Float](repeating: .nan, count: batch)
    }

    /// `∇ₓr` of `batch` samples: the declared gradient function, or central differences.
    public func gradients(_ x: [Float], n: Int) -> [Float] {
        let batch = x.count / max(n, 1)
        if let function = gradientFunction, let g = gradient {
            var out = [Float](repeating: 0, count: x.count)
            let status = dipp_ffi_gradient(function, Int32(g.lengthIs32Bit ? DIPP_FFI_INT32 : DIPP_FFI_INT64), x, Int64(n), Int64(batch), &out)
            return status == 0 ? out : [Float](repeating: .nan, count: x.count)
        }
        let epsilon: Float = 1e-3
        var out = [Float](repeating: 0, count: x.count)
        var probe = x
        for i in 0..<x.count {
            let sample = i / n, original = probe[i]
            probe[i] = original + epsilon
            let plus = scores(Array(probe[(sample * n)..<((sample + 1) * n)]), n: n)[0]
            probe[i] = original - epsilon
            let minus = scores(Array(probe[(sample * n)..<((sample + 1) * n)]), n: n)[0]
            probe[i] = original
            out[i] = (plus - minus) / (2 * epsilon)
        }
        return out
    }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let batch = x.shape[0], n = x.count / max(batch, 1)
        let input = x.storage
        let values = scores(input, n: n)
        // ∇ₓr only when a backward pass asks for it (evaluation never does).
        return Tensor.custom(shape: [batch], values: values, inputs: [x]) { g, _ in
            let grads = self.gradients(input, n: n)
            return [(0..<(batch * n)).map { g[$0 / n] * grads[$0] }]
        }
    }
}
