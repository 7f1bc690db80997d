import Foundation

/// Captions for the 8x8 digits (the `digits-text` data set), from a small grammar:
///
/// - every image may be called by one of the **plain** phrasings of its class ("a handwritten
///   seven", "the digit 7", "number seven", "7", …);
/// - an image whose **stroke mass** `m(x) = mean((x + 1)/2)` (the ink fraction) is in the lowest
///   third of its class may also be called **thin** ("a thin 7", …), one in the highest third
///   **bold** ("a bold 7", …);
/// - **held-out paraphrases** ("the numeral seven", "seven, written by hand", "a heavy seven", …)
///   never appear in training; they test whether a text-conditioned model understood the prompt
///   through its encoder rather than memorised the training strings.
public enum DigitCaptions {
    public enum Thickness: String, Sendable, CaseIterable { case thin, bold }

    public static let numberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

    /// Training phrasings of `digit` (`nil`: plain).
    public static func training(_ digit: Int, _ thickness: Thickness? = nil) -> [String] {
        let (w, d) = (numberWords[digit], String(digit))
        switch thickness {
        case nil: return ["a handwritten \(w)", "the digit \(d)", "number \(w)", d, "\(article(w)) \(w)", "the number \(d)", "handwritten digit \(d)"]
        case .thin?: return ["a thin \(d)", "a thin \(w)", "a thin handwritten \(w)"]
        case .bold?: return ["a bold \(d)", "a bold \(w)", "a bold handwritten \(w)"]
        }
    }

    /// Paraphrases of `digit` never used in training.
    public static func heldOut(_ digit: Int, _ thickness: Thickness? = nil) -> [String] {
        let (w, d) = (numberWords[digit], String(digit))
        switch thickness {
        case nil: return ["the numeral \(w)", "\(w), written by hand", "a drawing of the number \(w)", "the figure \(d)"]
        case .thin?: return ["\(article(w)) \(w) in thin strokes", "a faint \(w)"]
        case .bold?: return ["\(article(w)) \(w) in thick strokes", "a heavy \(w)"]
        }
    }

    /// Held-out prompts with context words (plain: no thickness): the digit among words that do
    /// not matter, as people write prompts — a phrasing close to training with unrelated words
    /// added, a sentence, and the numeral amid a scene. Their context words are disjoint from
    /// ``CaptionAugmentation``'s; no training phrasing or earlier paraphrase uses them.
    public static func contextHeldOut(_ digit: Int) -> [String] {
        let (w, d) = (numberWords[digit], String(digit))
        return ["a handwritten \(w) next to a coffee mug", "my grandmother wrote the number \(w) on the chalkboard",
                "\(d), scribbled in crayon on a crumpled receipt"]
    }

    static func article(_ word: String) -> String { word == "eight" ? "an" : "a" }

    /// The candidate captions of every image of `data` (plain, plus thin/bold for the lightest and
    /// heaviest third of its class).
    public static func captions(for data: LabeledDataset) -> [[String]] {
        let masses = StrokeMass.ofEach(data.values, dimension: data.dimension)
        var thickness = [Thickness?](repeating: nil, count: data.count)
        for c in 0..<data.classCount {
            let members = (0..<data.count).filter { data.labels[$0] == c }.sorted { masses[$0] < masses[$1] }
            let third = members.count / 3
            for i in members.prefix(third) { thickness[i] = .thin }
            for i in members.suffix(third) { thickness[i] = .bold }
        }
        return (0..<data.count).map { i in training(data.labels[i]) + (thickness[i].map { training(data.labels[i], $0) } ?? []) }
    }

    /// What a prompt asks for, read from its words: the first number word or digit names the
    /// class; `thin`/`faint`/`light`/`skinny`/`slender` or `bold`/`thick`/`heavy`/`dark` the
    /// thickness. `nil` class when the prompt names none.
    public static func parse(_ prompt: String) -> (digit: Int?, thickness: Thickness?) {
        let words = prompt.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        let digit = words.lazy.compactMap { w in numberWords.firstIndex(of: w) ?? (w.count == 1 ? Int(w) : nil) }.first
        let thin: Set = ["thin", "faint", "light", "skinny", "slender"], bold: Set = ["bold", "thick", "heavy", "dark"]
        let thickness: Thickness? = words.contains(where: thin.contains) ? .thin : words.contains(where: bold.contains) ? .bold : nil
        return (digit, thickness)
    }
}
