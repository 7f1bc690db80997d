import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPTensor
import Foundation

/// How well a text-conditioned model follows digit prompts (``DigitCaptions``): it samples
/// `perPrompt` images for every prompt of a set and measures
/// - **agreement**: the fraction the in-project classifier assigns to the digit the prompt names;
/// - **thickness**: the mean stroke mass of the images of thin, plain and bold prompts (a model
///   that understood "thin"/"bold" gives thin < plain < bold), and the number of digits for
///   which both differences have the named sign.
public enum PromptEvaluation {
    /// One prompt with what it asks for.
    public struct Prompt: Sendable {
        public let text: String
        public let digit: Int
        public let thickness: DigitCaptions.Thickness?

        public init(text: String, digit: Int, thickness: DigitCaptions.Thickness?) {
            (self.text, self.digit, self.thickness) = (text, digit, thickness)
        }

        /// What `text` asks for, read by ``DigitCaptions/parse(_:)`` (digit −1 when it names none).
        public init(parsing text: String) {
            let (digit, thickness) = DigitCaptions.parse(text)
            self.init(text: text, digit: digit ?? -1, thickness: thickness)
        }
    }

    /// The training phrasings (`heldOut: false`) or the held-out paraphrases of every digit.
    public static func prompts(heldOut: Bool) -> [Prompt] {
        (0..<10).flatMap { d in
            ([nil] + DigitCaptions.Thickness.allCases.map(Optional.some)).flatMap { t in
                (heldOut ? DigitCaptions.heldOut(d, t) : DigitCaptions.training(d, t)).map { Prompt(text: $0, digit: d, thickness: t) }
            }
        }
    }

    /// The held-out prompts with context words (``DigitCaptions/contextHeldOut(_:)``), 3 per digit.
    public static var contextPrompts: [Prompt] {
        (0..<10).flatMap { d in DigitCaptions.contextHeldOut(d).map { Prompt(text: $0, digit: d, thickness: nil) } }
    }

    public struct Result: Codable, Sendable {
        /// Fraction of all samples classified as the named digit.
        public var agreement: Double
        public var samples: Int
        /// Mean stroke mass of the samples of thin, plain and bold prompts.
        public var thinMass: Double, plainMass: Double, boldMass: Double
        /// Digits with mean mass thin < plain < bold.
        public var orderedDigits: Int
    }

    /// The samples of an evaluation (`perPrompt` per prompt, in prompt order) with the classifier's
    /// digit and the stroke mass of each.
    public struct Sampled {
        public let samples: Tensor
        public let predicted: [Int]
        public let mass: [Double]
    }

    /// Samples `perPrompt` images for each prompt with `sample` and scores them.
    public static func evaluate(_ prompts: [Prompt], perPrompt: Int, conditioner: Conditioner, classifier: Classifier,
                                sample: (Conditions) -> Tensor) -> (result: Result, sampled: Sampled) {
        let texts = prompts.flatMap { [String](repeating: $0.text, count: perPrompt) }
        let samples = withoutGradients { sample(conditioner.conditions(prompts: texts)) }
        let n = texts.count, d = samples.count / max(n, 1)
        let predicted = classifier.predict(samples.reshaped([n, d]))
        let asked = prompts.flatMap { [Prompt](repeating: $0, count: perPrompt) }
        let agreement = Double(zip(predicted, asked).filter { $0 == $1.digit }.count) / Double(max(n, 1))
        let mass = StrokeMass.ofEach(samples.storage, dimension: d).map(Double.init)
        func meanMass(_ t: DigitCaptions.Thickness?, digit: Int? = nil) -> Double {
            SeedSpread(asked.indices.filter { asked[$0].thickness == t && (digit == nil || asked[$0].digit == digit) }.map { mass[$0] }).mean
        }
        let ordered = (0..<10).filter { meanMass(.thin, digit: $0) < meanMass(nil, digit: $0) && meanMass(nil, digit: $0) < meanMass(.bold, digit: $0) }
        return (Result(agreement: agreement, samples: n, thinMass: meanMass(.thin), plainMass: meanMass(nil), boldMass: meanMass(.bold),
                       orderedDigits: ordered.count), Sampled(samples: samples, predicted: predicted, mass: mass))
    }

    /// A PNG with one row per prompt (`columns` samples each, in prompt order) and an SVG beside it
    /// naming the rows.
    public static func writeGrid(_ samples: Tensor, prompts: [String], perPrompt: Int, columns: Int, imageSize: (height: Int, width: Int),
                                 to path: String) throws {
        let d = imageSize.height * imageSize.width
        let images = prompts.indices.flatMap { p in (0..<min(columns, perPrompt)).map { j in
            Array(samples.storage[((p * perPrompt + j) * d)..<((p * perPrompt + j + 1) * d)])
        } }
        let scale = imageSize.height <= 8 ? 6 : 2
        try ImageGrid.writeGrid(images, rows: prompts.count, columns: min(columns, perPrompt), height: imageSize.height, width: imageSize.width,
                                scale: scale, to: path)
        try ModelEvaluation.writeLabelledGrid(png: path, rowLabels: prompts.map { "“\($0)”" }, cellHeight: imageSize.height * scale + 1)
    }
}
