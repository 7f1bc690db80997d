import DIPPTensor
import Foundation

/// Caption augmentation for text-conditioned teachers: a caption drawn for a training image is,
/// with probability `probability`, rewritten by one of four moves, so that the teacher learns
/// to find what a prompt names among words that do not matter (a pooled sentence embedding
/// otherwise lets extra words drown it):
///
/// - **context**: the caption inside a framing phrase, `"a photo of {c}"`, `"{c} on white paper"`, …
///   (``contexts``);
/// - **style**: a word that does not change what is drawn before the caption's last word,
///   `"a handwritten seven"` → `"a handwritten neat seven"`… (``styleWords``);
/// - **word order**: the last word first, `"the digit 7"` → `"7, the digit"`;
/// - **random words**: one to three words of ``randomWords`` before or after the caption,
///   `"a bold seven"` → `"village a bold seven"`, `"the digit 7 season during"`.
///
/// ``randomWords`` are 2000 common English words (the whole-word entries of BERT's uncased
/// vocabulary in its frequency order, 3–11 letters), without number words, thickness words and
/// every word of the held-out prompt sets — so that the teacher learns to ignore words in general,
/// not just the few of the templates.
///
/// None of these words names a digit or a thickness (``DigitCaptions/parse(_:)`` reads the same
/// digit and thickness from the rewritten caption), and none is a context word of the held-out
/// set ``DigitCaptions/contextHeldOut(_:)`` or of the held-out paraphrases
/// ``DigitCaptions/heldOut(_:_:)`` (a test checks all three).
public struct CaptionAugmentation: Sendable, Equatable {
    public var probability: Double

    public init(probability: Double) { self.probability = probability }

    public static let contexts = [
        "a photo of {c}", "a picture of {c}", "an image of {c}", "a scan of {c}", "a sketch of {c}", "a close-up of {c}",
        "{c} on white paper", "{c}, black and white", "{c} in black ink", "{c}, pen on paper", "{c} in pencil",
        "{c} on a page", "{c}, centred", "{c}, low resolution", "there is {c} here", "this shows {c}",
    ]
    /// `Resources/augmentation-words.txt`, one word per line.
    public static let randomWords: [String] = {
        guard let url = Bundle.module.url(forResource: "augmentation-words", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }()

    public static let styleWords = ["neat", "small", "simple", "clean", "quick", "careful", "tiny", "messy", "pixelated", "blurry", "sharp", "tilted"]

    /// `caption`, rewritten with probability ``probability``, from `rng` (which is not drawn at
    /// all when the probability is 0, so data without augmentation trains as before).
    public func apply(_ caption: String, rng: inout RandomStream) -> String {
        guard probability > 0, !caption.isEmpty, Double(rng.uniform(1)[0]) < probability else { return caption }
        switch rng.integer(below: Self.randomWords.isEmpty ? 3 : 4) {
        case 0:
            return Self.contexts[rng.integer(below: Self.contexts.count)].replacingOccurrences(of: "{c}", with: caption)
        case 1:
            var words = caption.split(separator: " ").map(String.init)
            words.insert(Self.styleWords[rng.integer(below: Self.styleWords.count)], at: words.count - 1)
            return words.joined(separator: " ")
        case 2:
            let words = caption.split(separator: " ").map(String.init)
            return words.count < 2 ? caption : "\(words.last!), " + words.dropLast().joined(separator: " ")
        default:
            let words = (0...rng.integer(below: 3)).map { _ in Self.randomWords[rng.integer(below: Self.randomWords.count)] }.joined(separator: " ")
            return rng.integer(below: 2) == 0 ? words + " " + caption : caption + " " + words
        }
    }
}
