import DIPPTensor
import Foundation

/// CLIP's byte-level BPE tokenizer as `transformers` 5.x's `CLIPTokenizer` runs it (backed by
/// `tokenizers`):
///
/// 1. **Normalise**: NFC; every run of white space (Unicode `White_Space`) becomes one space;
///    lower-case (each scalar's full Unicode mapping).
/// 2. **Split** on Unicode scalars with CLIP's pattern, leftmost-first,
///    `'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+` — white space is dropped, each
///    digit is a word, a run of letters is a word, a run of anything else is a word.
/// 3. **Byte-level**: each word's UTF-8 bytes become GPT-2's printable characters, and the last
///    one carries the end-of-word suffix `</w>`.
/// 4. **BPE**: repeatedly merge the adjacent pair of lowest rank in `merges.txt` (leftmost first).
/// 5. `<|startoftext|>` ids `<|endoftext|>`, the ids truncated to `maximumLength − 2`.
///
/// This is not OpenAI's original tokenizer, which first runs `ftfy.fix_text` and
/// `html.unescape` (so `&amp;` stays `&amp;` here) and strips the text; words of ordinary text
/// tokenise the same. Special-token strings written in the text are not recognised as tokens.
public struct CLIPTokenizer: Sendable {
    /// Token → id (`vocab.json`).
    public let vocabulary: [String: Int]
    /// Pair → rank (line order of `merges.txt`).
    let ranks: [Pair: Int]
    public let startID: Int, endID: Int
    /// Counts the start and end tokens (CLIP: 77).
    public let maximumLength: Int

    struct Pair: Hashable, Sendable { let left: String, right: String }

    static let wordSuffix = "</w>"
    static let startToken = "<|startoftext|>", endToken = "<|endoftext|>"

    /// GPT-2's byte → printable character table (`bytes_to_unicode`): the printable Latin-1
    /// bytes map to themselves, the other 68 to U+0100 onwards in byte order.
    static let byteCharacters: [String] = {
        let printable = Set(Array(33...126) + Array(161...172) + Array(174...255))
        var next = 256
        return (0..<256).map { byte in
            if printable.contains(byte) { return String(UnicodeScalar(UInt8(byte))) }
            defer { next += 1 }
            return String(UnicodeScalar(UInt32(next))!)
        }
    }()

    public init(vocabulary: [String: Int], merges: [(String, String)], maximumLength: Int = 77, source: String = "vocabulary") throws {
        func special(_ token: String) throws -> Int {
            guard let id = vocabulary[token] else {
                throw TextEncoderError(location: source, what: "the vocabulary has no \(token) token", hint: "use the vocab.json that came with the model")
            }
            return id
        }
        (startID, endID) = (try special(Self.startToken), try special(Self.endToken))
        var ranks: [Pair: Int] = [:]
        for (rank, (a, b)) in merges.enumerated() where ranks[Pair(left: a, right: b)] == nil { ranks[Pair(left: a, right: b)] = rank }
        (self.vocabulary, self.ranks, self.maximumLength) = (vocabulary, ranks, maximumLength)
        precondition(maximumLength >= 2, "CLIPTokenizer: maximumLength must leave room for the start and end tokens")
    }

    /// Reads `vocab.json` and `merges.txt` from `folder` (transformers' layout).
    public init(folder: URL, maximumLength: Int = 77) throws {
        let vocabURL = folder.appendingPathComponent("vocab.json"), mergesURL = folder.appendingPathComponent("merges.txt")
        let hint = "a CLIP folder needs vocab.json and merges.txt (any openai/clip-vit-* folder has CLIP's)"
        guard let data = try? Data(contentsOf: vocabURL), let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TextEncoderError(location: vocabURL.path, what: "cannot read the vocabulary as a JSON object", hint: hint)
        }
        var vocabulary: [String: Int] = [:]
        for (token, raw) in json {
            guard let id = raw as? Int, id >= 0 else { throw TextEncoderError(location: "\(vocabURL.path), token \(token)", what: "the id \(raw) is not a non-negative integer", hint: hint) }
            vocabulary[token] = id
        }
        guard let text = try? String(contentsOf: mergesURL, encoding: .utf8) else {
            throw TextEncoderError(location: mergesURL.path, what: "cannot read the merges as UTF-8 text", hint: hint)
        }
        var merges: [(String, String)] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty || (n == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TextEncoderError(location: "\(mergesURL.path), line \(n + 1)", what: "expected two tokens separated by one space, found \"\(line)\"", hint: hint)
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        try self.init(vocabulary: vocabulary, merges: merges, maximumLength: maximumLength, source: vocabURL.path)
    }

    /// Token ids: start, the BPE tokens of the words (truncated), end.
    public func encode(_ text: String) -> [Int] {
        var ids: [Int] = []
        for word in Self.words(Self.normalized(text)) {
            ids += bpe(word)
            if ids.count >= maximumLength - 2 { break }
        }
        return [startID] + ids.prefix(maximumLength - 2) + [endID]
    }

    /// The tokens of one word, as ids (a token missing from the vocabulary is `<|endoftext|>`,
    /// `transformers`' unknown token).
    func bpe(_ word: [Unicode.Scalar]) -> [Int] {
        let bytes = Array(String(String.UnicodeScalarView(word)).utf8)
        var symbols = bytes.map { Self.byteCharacters[Int($0)] }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += Self.wordSuffix
        while symbols.count > 1 {
            var best: (rank: Int, at: Int)?
            for i in 0..<(symbols.count - 1) {
                if let rank = ranks[Pair(left: symbols[i], right: symbols[i + 1])], rank < best?.rank ?? .max { best = (rank, i) }
            }
            guard let (_, at) = best else { break }
            symbols[at] += symbols[at + 1]
            symbols.remove(at: at + 1)
        }
        return symbols.map { vocabulary[$0] ?? endID }
    }

    /// NFC, white-space runs to one space, lower case.
    static func normalized(_ text: String) -> [Unicode.Scalar] {
        var collapsed: [Unicode.Scalar] = []
        var inSpace = false
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inSpace { collapsed.append(" ") }
                inSpace = true
            } else {
                collapsed.append(scalar)
                inSpace = false
            }
        }
        return lowercased(collapsed)
    }

    /// Each scalar's full Unicode lower-case mapping, without context (so a capital sigma is
    /// always `σ`, never the final `ς`), as `tokenizers`' `Lowercase` maps each character.
    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        scalars.flatMap { $0.properties.lowercaseMapping.unicodeScalars }
    }

    /// The words of normalised text under CLIP's split pattern.
    static func words(_ s: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        func isLetter(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
            default: false
            }
        }
        func isNumber(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .decimalNumber, .letterNumber, .otherNumber: true
            default: false
            }
        }
        let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array("'\($0)".unicodeScalars) }
        var words: [[Unicode.Scalar]] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "'", let match = contractions.first(where: { i + $0.count <= s.count && Array(s[i..<(i + $0.count)]) == $0 }) {
                words.append(match)
                i += match.count
            } else if isLetter(c) {
                var j = i + 1
                while j < s.count && isLetter(s[j]) { j += 1 }
                words.append(Array(s[i..<j]))
                i = j
            } else if isNumber(c) {
                words.append([c])
                i += 1
            } else if c.properties.isWhitespace {
                i += 1
            } else {
                var j = i + 1
                while j < s.count && !isLetter(s[j]) && !isNumber(s[j]) && !s[j].properties.isWhitespace { j += 1 }
                words.append(Array(s[i..<j]))
                i = j
            }
        }
        return words
    }
}
