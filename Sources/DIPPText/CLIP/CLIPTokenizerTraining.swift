import DIPPTensor
import Foundation

extension CLIPTokenizer {
    /// The 256 byte characters in OpenAI's vocabulary order (`bytes_to_unicode`'s: the printable
    /// bytes ascending, then the others ascending).
    static var byteOrder: [Int] {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        return printable + (0..<256).filter { !printable.contains($0) }
    }

    /// A vocabulary in OpenAI's layout around `merges`: the 256 byte characters, the same with
    /// `</w>`, one token per merge (in merge order), `<|startoftext|>`, `<|endoftext|>`.
    public init(merges: [(String, String)], maximumLength: Int = 77) throws {
        let bytes = Self.byteOrder.map { Self.byteCharacters[$0] }
        var tokens = bytes + bytes.map { $0 + Self.wordSuffix }
        tokens += merges.map { $0.0 + $0.1 } + [Self.startToken, Self.endToken]
        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = id }
        try self.init(vocabulary: vocabulary, merges: merges, maximumLength: maximumLength)
    }

    /// Learns byte-level BPE merges from `texts` (Sennrich et al., 2016), on the words this
    /// tokenizer's normalisation and split make: each step merges the adjacent pair that occurs
    /// most often over all words (ties: the smaller pair in string order), until `maximumMerges`
    /// or until no pair occurs `minimumCount` times.
    public static func learnMerges(from texts: [String], maximumMerges: Int, minimumCount: Int = 2) -> [(String, String)] {
        var counts: [[String]: Int] = [:]
        for text in texts {
            for word in words(normalized(text)) {
                var symbols = Array(String(String.UnicodeScalarView(word)).utf8).map { byteCharacters[Int($0)] }
                symbols[symbols.count - 1] += wordSuffix
                counts[symbols, default: 0] += 1
            }
        }
        var words = counts.map { (symbols: $0.key, count: $0.value) }.sorted { $0.symbols.joined(separator: " ") < $1.symbols.joined(separator: " ") }
        var merges: [(String, String)] = []
        while merges.count < maximumMerges {
            var pairs: [Pair: Int] = [:]
            for word in words where word.symbols.count > 1 {
                for i in 0..<(word.symbols.count - 1) { pairs[Pair(left: word.symbols[i], right: word.symbols[i + 1]), default: 0] += word.count }
            }
            guard let best = pairs.max(by: { $0.value < $1.value || ($0.value == $1.value && ($0.key.left, $0.key.right) > ($1.key.left, $1.key.right)) }),
                  best.value >= minimumCount else { break }
            let (a, b) = (best.key.left, best.key.right)
            merges.append((a, b))
            for w in words.indices {
                var s = words[w].symbols, i = 0
                while i < s.count - 1 {
                    if s[i] == a && s[i + 1] == b {
                        s[i] = a + b
                        s.remove(at: i + 1)
                    }
                    i += 1
                }
                words[w].symbols = s
            }
        }
        return merges
    }

    /// The merges in rank order.
    public var merges: [(String, String)] { ranks.sorted { $0.value < $1.value }.map { ($0.key.left, $0.key.right) } }

    /// Writes `vocab.json` and `merges.txt` (`#version: 0.2` first), as `transformers` reads them.
    public func write(to folder: URL) throws {
        let vocab = try JSONSerialization.data(withJSONObject: vocabulary, options: [.sortedKeys])
        try vocab.write(to: folder.appendingPathComponent("vocab.json"))
        let lines = ["#version: 0.2"] + merges.map { "\($0.0) \($0.1)" }
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
    }
}
