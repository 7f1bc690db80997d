import DIPPTensor
import Foundation

/// BERT's uncased WordPiece tokenizer (Devlin et al., 2019), as Hugging Face `tokenizers`
/// implements it (`BertNormalizer` + `BertPreTokenizer` + `WordPiece`):
///
/// 1. **Clean**: drop U+0000, U+FFFD and "other" characters (categories Cc, Cf, Cn, Co, Cs —
///    except tab, newline and carriage return, which count as white space); every white-space
///    character becomes a space.
/// 2. **CJK**: put spaces around every CJK ideograph (so each is a word of its own).
/// 3. **Lower-case and strip accents**: NFD, drop non-spacing marks (Mn), lower-case.
/// 4. **Pre-tokenise**: split on white space; every punctuation character (Unicode P* or ASCII
///    `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`) is a word of its own.
/// 5. **WordPiece**: a word longer than 100 characters is `[UNK]`; otherwise greedy longest match
///    from the left, continuation pieces prefixed `##`; a word with any unmatched rest is `[UNK]`.
/// 6. `[CLS] pieces [SEP]`, the pieces truncated to `maximumLength − 2`.
///
/// Special tokens written in the text (`[UNK]`, `[MASK]`, …) are matched on the raw text before
/// all of this, exactly and case-sensitively, as `tokenizers` matches its added tokens.
public struct WordPieceTokenizer: Sendable {
    /// Piece → id (the line number in `vocab.txt`).
    public let vocabulary: [String: Int]
    /// `maximumLength` counts `[CLS]` and `[SEP]`.
    public let maximumLength: Int
    public let unknownID: Int, classID: Int, separatorID: Int, paddingID: Int
    static let maximumWordCharacters = 100

    /// A tokenizer over `pieces` (id = index). Throws when a special token is missing.
    public init(pieces: [String], maximumLength: Int = 256, source: String = "vocabulary") throws {
        var vocabulary: [String: Int] = [:]
        for (id, piece) in pieces.enumerated() where vocabulary[piece] == nil { vocabulary[piece] = id }
        func special(_ name: String) throws -> Int {
            guard let id = vocabulary[name] else {
                throw TextEncoderError(location: source, what: "the vocabulary has no \(name) token",
                                       hint: "use the vocab.txt that came with the model")
            }
            return id
        }
        self.vocabulary = vocabulary
        self.maximumLength = maximumLength
        (unknownID, classID, separatorID, paddingID) = (try special("[UNK]"), try special("[CLS]"), try special("[SEP]"), try special("[PAD]"))
        precondition(maximumLength >= 2, "WordPieceTokenizer: maximumLength must leave room for [CLS] and [SEP]")
    }

    /// Reads `vocab.txt`: one piece per line, the id is the line number.
    public init(vocabularyFile url: URL, maximumLength: Int = 256) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TextEncoderError(location: url.path, what: "cannot read the vocabulary as UTF-8 text",
                                   hint: "run `bash Scripts/install-text-encoder` to install all-MiniLM-L6-v2")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(pieces: lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }, maximumLength: maximumLength, source: url.path)
    }

    /// Token ids: `[CLS]`, the word pieces (truncated), `[SEP]`. A special token written in the
    /// text itself (`[UNK]`, `[MASK]`, …, exactly, case-sensitive) is that token, as in `tokenizers`.
    public func encode(_ text: String) -> [Int] {
        var ids = [classID]
        for segment in specialSegments(text) {
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let part):
                for word in Self.words(part) {
                    ids += pieces(word)
                    if ids.count >= maximumLength - 1 { break }
                }
            }
            if ids.count >= maximumLength - 1 { break }
        }
        return Array(ids.prefix(maximumLength - 1)) + [separatorID]
    }

    enum Segment { case text(String), special(Int) }

    /// `text` cut at every occurrence of a special token (leftmost first; no special token is a prefix of another).
    func specialSegments(_ text: String) -> [Segment] {
        let specials = Self.specialTokens.compactMap { name in vocabulary[name].map { (name, $0) } }
        var out: [Segment] = [], rest = Substring(text)
        while true {
            var first: (range: Range<Substring.Index>, id: Int)?
            for (name, id) in specials {
                guard let range = rest.range(of: name) else { continue }
                if first == nil || range.lowerBound < first!.range.lowerBound { first = (range, id) }
            }
            guard let (range, id) = first else { break }
            out.append(.text(String(rest[..<range.lowerBound])))
            out.append(.special(id))
            rest = rest[range.upperBound...]
        }
        out.append(.text(String(rest)))
        return out
    }

    static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// Steps 1–4: the normalised words.
    public static func words(_ text: String) -> [[Unicode.Scalar]] {
        var cleaned: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJK(scalar) {
                cleaned += [" ", scalar, " "]
            } else {
                cleaned.append(scalar)
            }
        }
        var normalised: [Unicode.Scalar] = []
        for scalar in String(String.UnicodeScalarView(cleaned)).decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            normalised += scalar.properties.lowercaseMapping.unicodeScalars
        }
        var words: [[Unicode.Scalar]] = [], current: [Unicode.Scalar] = []
        func flush() { if !current.isEmpty { words.append(current); current = [] } }
        for scalar in normalised {
            if isWhitespace(scalar) {
                flush()
            } else if isPunctuation(scalar) {
                flush()
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        flush()
        return words
    }

    /// Step 5 for one word.
    func pieces(_ word: [Unicode.Scalar]) -> [Int] {
        guard word.count <= Self.maximumWordCharacters else { return [unknownID] }
        var ids: [Int] = [], start = 0
        while start < word.count {
            var end = word.count, match: Int?
            while end > start {
                let piece = (start > 0 ? "##" : "") + String(String.UnicodeScalarView(word[start..<end]))
                if let id = vocabulary[piece] { match = id; break }
                end -= 1
            }
            guard let match else { return [unknownID] }
            ids.append(match)
            start = end
        }
        return ids
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII, (33...47).contains(s.value) || (58...64).contains(s.value) || (91...96).contains(s.value) || (123...126).contains(s.value) {
            return true
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .closePunctuation, .finalPunctuation, .initialPunctuation, .otherPunctuation, .openPunctuation:
            return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT treats as one-character words.
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
