import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPTensor
import DiffInstruct

/// Prompt–image agreement for captioned digits (`digits-text`): what the prompt asks for, read
/// from its words (``DigitCaptions/parse(_:)``), scored on the image —
///
/// `r(x, p) = log p_clf(c_p | x) + w·log σ(s_p·(m(x) − μ_{c_p})/σ_{c_p})`,
///
/// where `p_clf` is the in-project classifier, `c_p` the digit the prompt names (the classifier's
/// own prediction when it names none), `m(x)` the stroke mass, `μ_c, σ_c` its mean and standard
/// deviation over the class's training images, and `s_p = +1` for bold, `−1` for thin, `0` (no
/// term) otherwise: the log-probability that the image is on the named side of its class's
/// typical thickness.
public struct PromptAlignmentReward: RewardModel, ComponentRegistration {
    public let classifier: Classifier
    public let thicknessWeight: Float
    let massMean: [Float], massScale: [Float]

    public init(classifier: Classifier, train: LabeledDataset, thicknessWeight: Float = 1) {
        self.classifier = classifier
        classifier.setTrainable(false)
        self.thicknessWeight = thicknessWeight
        let d = train.dimension
        let masses = StrokeMass.ofEach(train.values, dimension: d)
        let spreads = (0..<train.classCount).map { c in SeedSpread((0..<train.count).filter { train.labels[$0] == c }.map { Double(masses[$0]) }) }
        massMean = spreads.map { Float($0.mean) }
        massScale = spreads.map { Float(Swift.max($0.standardDeviation, 1e-3)) }
    }

    public var name: String { "prompt-alignment" }

    public struct Options: Codable, Sendable, Equatable {
        /// `w`, the weight of the thin/bold term.
        public var thicknessWeight: Float = 1
        public init() {}
    }

    public static func register(in components: Components) {
        components.rewards.register("prompt-alignment", summary: "captioned digits: log p(c|x) of the digit the prompt names, + thin/bold by stroke mass",
                                    options: Options()) { o, context in
            guard context.train.captions != nil, context.train.classCount > 0 else {
                throw ConfigurationError(location: "reward 'prompt-alignment'", what: "the data \(context.train.name) has no captions",
                                         hint: "prompt-alignment scores captioned digits: a teacher trained with --data digits-text")
            }
            return PromptAlignmentReward(classifier: try Classifier.loadOrTrain(on: context.train, configuration: .init(), folder: context.classifierFolder),
                                         train: context.train, thicknessWeight: o.thicknessWeight)
        }
    }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let n = x.shape[0]
        let asked: [(digit: Int?, thickness: DigitCaptions.Thickness?)] = (0..<n).map { i in
            conditions.isNull[i] ? (nil, nil) : DigitCaptions.parse(conditions.text?.prompts?[i] ?? "")
        }
        let predicted = asked.contains { $0.digit == nil } ? classifier.predict(x.detached()) : []
        let digits = asked.enumerated().map { $0.element.digit ?? predicted[$0.offset] }
        let flat = x.reshaped([n, x.count / Swift.max(n, 1)])
        let score = classifier.logProbability(flat, labels: digits)
        let sign: [Float] = asked.map { $0.thickness == .bold ? 1 : $0.thickness == .thin ? -1 : 0 }
        guard thicknessWeight != 0, sign.contains(where: { $0 != 0 }) else { return score }
        let mass = StrokeMass.of(flat)
        let z: Tensor = (mass - Tensor(shape: [n], storage: digits.map { massMean[$0] }))
            * Tensor(shape: [n], storage: zip(sign, digits).map { $0 / massScale[$1] })
        let logSigmoid = -((-z).softplus())
        return score + logSigmoid * Tensor(shape: [n], storage: sign.map { abs($0) * thicknessWeight })
    }
}
