import DIPPData
import DIPPNN
import DIPPTensor
import Foundation

/// One judgement between two samples drawn for the same condition (a class or a prompt): the
/// unit a Bradley–Terry reward model learns from. One JSON object per line of a `PAIRS.jsonl`:
///
///     {"label": 3, "shape": [1, 8, 8], "left": [64 numbers], "right": [64 numbers], "choice": "left"}
///
/// `prompt` replaces (or accompanies) `label` for text-conditioned runs; `source` says who judged
/// (`label-page`, `simulated stroke-mass τ=0.02`, …). The samples are stored by value, so a pairs
/// file stays meaningful after the run that drew them is gone.
public struct PreferencePair: Codable, Sendable, Equatable {
    /// Which sample was preferred; a tie is a judgement too (BT target ½). Skipped pairs are not recorded.
    public enum Choice: String, Codable, Sendable, CaseIterable {
        case left, right, tie

        /// The Bradley–Terry target `P(left ≻ right)`: 1, 0 or ½.
        public var target: Float {
            switch self {
            case .left: 1
            case .right: 0
            case .tie: 0.5
            }
        }
    }

    public var label: Int?
    public var prompt: String?
    /// The per-sample shape, e.g. `[1, 8, 8]`.
    public var shape: [Int]
    public var left: [Float]
    public var right: [Float]
    public var choice: Choice
    public var source: String?

    public init(label: Int?, prompt: String? = nil, shape: [Int], left: [Float], right: [Float], choice: Choice, source: String? = nil) {
        (self.label, self.prompt, self.shape, self.left, self.right, self.choice, self.source) = (label, prompt, shape, left, right, choice, source)
    }

    /// Why this pair is unusable, or `nil`.
    func problem() -> String? {
        let size = shape.reduce(1, *)
        if shape.isEmpty || shape.contains(where: { $0 < 1 }) { return "shape \(shape) is not a sample shape" }
        if left.count != size || right.count != size {
            return "'left' has \(left.count) and 'right' \(right.count) values; shape \(shape) needs \(size) each"
        }
        if !(left + right).allSatisfy(\.isFinite) { return "a sample value is not finite" }
        if let label, label < 0 { return "label \(label) is negative" }
        return nil
    }
}

/// Reading and appending `PAIRS.jsonl` files.
public enum PreferencePairs {
    /// Every pair of `url`, in order. A malformed line is an error naming the file, the line and
    /// what is wrong; pairs must agree on their sample shape.
    public static func read(_ url: URL) throws -> [PreferencePair] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError(location: url.path, what: "cannot read the pairs file", hint: "write one with `dipp label` or `dipp reward simulate`")
        }
        var pairs: [PreferencePair] = []
        let decoder = JSONDecoder()
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let location = "\(url.path):\(index + 1)"
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            let pair: PreferencePair
            do {
                pair = try decoder.decode(PreferencePair.self, from: Data(line))
            } catch {
                throw DataError(location: location, what: "not a preference pair (\(Self.describe(error)))",
                                hint: "one JSON object per line with shape, left, right and choice (left, right or tie)")
            }
            if let problem = pair.problem() {
                throw DataError(location: location, what: problem, hint: "left and right are the two samples' values, row-major")
            }
            if let first = pairs.first, first.shape != pair.shape {
                throw DataError(location: location, what: "shape \(pair.shape) differs from the first pair's \(first.shape)",
                                hint: "keep one data set's pairs per file")
            }
            pairs.append(pair)
        }
        guard !pairs.isEmpty else {
            throw DataError(location: url.path, what: "the pairs file holds no pair", hint: "label some pairs first (`dipp label RUN`)")
        }
        return pairs
    }

    /// Appends `pair` as one line with a single `write(2)` on an `O_APPEND` descriptor, then
    /// `fsync`: when this returns, the pair survives the process being killed, and concurrent
    /// appenders never interleave within a line.
    public static func append(_ pair: PreferencePair, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(pair)
        line.append(UInt8(ascii: "\n"))
        let fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else {
            throw DataError(location: url.path, what: "cannot open for appending (errno \(errno))", hint: "check the folder exists and is writable")
        }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw DataError(location: url.path, what: "the pair was not written whole (errno \(errno))", hint: "check the disk has space")
        }
    }

    /// Removes a torn last line (bytes after the final newline, left by a crash inside a write)
    /// and returns how many bytes were dropped; every complete line is kept.
    @discardableResult
    public static func removeTornTail(_ url: URL) throws -> Int {
        guard let data = FileManager.default.contents(atPath: url.path), let last = data.last, last != UInt8(ascii: "\n") else { return 0 }
        let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        guard truncate(url.path, off_t(keep)) == 0 else {
            throw DataError(location: url.path, what: "cannot truncate a torn last line (errno \(errno))", hint: "remove the last line by hand")
        }
        return data.count - keep
    }

    /// The number of complete lines (recorded pairs) in `url`; 0 when it does not exist.
    public static func count(_ url: URL) -> Int {
        guard let data = FileManager.default.contents(atPath: url.path) else { return 0 }
        return data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let c):
            c.codingPath.isEmpty ? "not JSON" : "bad value at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: "\(error)"
        }
    }
}
