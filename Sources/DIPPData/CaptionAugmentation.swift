import DIPPTensor

/// Caption augmentation for text-conditioned teachers: a caption drawn for a training image is,
/// with probability `probability`, rewritten by one of three moves, so that the teacher learns
/// to find what a prompt names among words that do not matter (a pooled sentence embedding
/// otherwise lets extra words drown it):
///
/// - **context**: the caption inside a framing phrase, `"a photo of {c}"`, `"{c} on white paper"`, …
///   (``contexts``);
/// - **style**: a word that does not change what is drawn before the caption's last word,
///   `"a handwritten seven"` → `"a handwritten neat seven"`… (``styleWords``);
/// - **word order**: the last word first, `"the digit 7"` → `"7, the digit"`.
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
    public static let styleWords = ["neat", "small", "simple", "clean", "quick", "careful", "tiny", "messy", "pixelated", "blurry", "sharp", "tilted"]

    /// `caption`, rewritten with probability ``probability`` (one uniform draw decides, a second picks the move, a third its word).
    public func apply(_ caption: String, rng: inout RandomStream) -> String {
        let u = rng.uniform(3)
        guard Double(u[0]) < probability, !caption.isEmpty else { return caption }
        let pick = { (n: Int) in Swift.min(Int(u[2] * Float(n)), n - 1) }
        switch Int(u[1] * 3) {
        case 0:
            return Self.contexts[pick(Self.contexts.count)].replacingOccurrences(of: "{c}", with: caption)
        case 1:
            var words = caption.split(separator: " ").map(String.init)
            words.insert(Self.styleWords[pick(Self.styleWords.count)], at: words.count - 1)
            return words.joined(separator: " ")
        default:
            let words = caption.split(separator: " ").map(String.init)
            return words.count < 2 ? caption : "\(words.last!), " + words.dropLast().joined(separator: " ")
        }
    }
}
