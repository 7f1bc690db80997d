import DIPPTensor
import DIPPText
import Foundation
import Testing

/// The WordPiece tokenizer's rules on a small vocabulary, one rule per assertion.
@Suite struct TokenizerTests {
    static let pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "bold", "seven", "the", "digit", "7", ",", "!", "un", "##aff", "##able",
                         "cafe", "中", "sao", "paulo", "-", "x", "##x"]
    static let tokenizer = try! WordPieceTokenizer(pieces: pieces, maximumLength: 8)
    static func names(_ text: String) -> [String] { tokenizer.encode(text).map { pieces[$0] } }

    @Test func rules() {
        #expect(Self.names("A BOLD Seven!") == ["[CLS]", "a", "bold", "seven", "!", "[SEP]"])            // lower-case, punctuation split
        #expect(Self.names("unaffable") == ["[CLS]", "un", "##aff", "##able", "[SEP]"])                   // greedy longest match
        #expect(Self.names("unknown") == ["[CLS]", "[UNK]", "[SEP]"])                                      // unmatched rest → [UNK]
        #expect(Self.names("Café\tSão-Paulo") == ["[CLS]", "cafe", "sao", "-", "paulo", "[SEP]"])          // accents, tab, dash
        #expect(Self.names("a中a") == ["[CLS]", "a", "中", "a", "[SEP]"])                                   // CJK ideographs stand alone
        #expect(Self.names("se\u{200B}ven\u{0}") == ["[CLS]", "seven", "[SEP]"])                           // format/control removed
        #expect(Self.names(String(repeating: "x", count: 100)) == ["[CLS]", "x"] + [String](repeating: "##x", count: 5) + ["[SEP]"])
        #expect(Self.names(String(repeating: "x", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])            // > 100 characters
        #expect(Self.names("") == ["[CLS]", "[SEP]"])
        #expect(Self.tokenizer.encode("a [UNK] [unk]") == [2, 4, 1, 1, 1, 1, 3])   // a written [UNK] is one token; "[unk]" is three words, none in the vocabulary
        #expect(Self.tokenizer.encode("a a a a a a a a a a").count == 8)                                   // truncation keeps [SEP]
        #expect(Self.tokenizer.encode("a a a a a a a a a a").last == 3)
    }

    @Test func missingSpecialTokenIsAnError() {
        #expect(throws: TextEncoderError.self) { try WordPieceTokenizer(pieces: ["[PAD]", "[CLS]", "[SEP]"]) }
    }
}
