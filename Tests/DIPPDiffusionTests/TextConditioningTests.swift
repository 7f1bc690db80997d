import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import DIPPText
import DiffInstruct
import Foundation
import Testing

/// Captioned digits end to end without the MiniLM files: the caption grammar, the prompt
/// conditions, the prompt-alignment reward's value and gradient, and a text-conditioned teacher
/// (a small trainable bag-of-tokens encoder registered under a test name) that resumes exactly.
@Suite(.serialized) struct TextConditioningTests {
    @Test func parsesWhatAPromptAsksFor() {
        #expect(DigitCaptions.parse("the numeral seven") == (7, nil))
        #expect(DigitCaptions.parse("a bold 3") == (3, .bold))
        #expect(DigitCaptions.parse("a faint eight, please") == (8, .thin))
        #expect(DigitCaptions.parse("Seven, written by hand") == (7, nil))
        #expect(DigitCaptions.parse("a cat") == (nil, nil))
        #expect(DigitCaptions.parse("a heavy 12") == (nil, .bold))   // "12" is no single digit
    }

    @Test func captionsFollowStrokeMass() throws {
        let digits = try Digits.load()
        let captions = DigitCaptions.captions(for: digits)
        let d = digits.dimension
        for c in 0..<10 {
            let members = (0..<digits.count).filter { digits.labels[$0] == c }
            #expect(members.allSatisfy { Set(DigitCaptions.training(c)).isSubset(of: captions[$0]) })
            func mass(_ word: String) -> [Float] {
                members.filter { captions[$0].contains("a \(word) \(c)") }.map { StrokeMass.of(digits.values[($0 * d)..<(($0 + 1) * d)]) }
            }
            let (thin, bold) = (mass("thin"), mass("bold"))
            #expect(thin.count == members.count / 3 && bold.count == members.count / 3)
            #expect(thin.max()! <= bold.min()!, "digit \(c): every thin image is lighter than every bold one")
        }
        #expect(Set(DigitCaptions.heldOut(7)).isDisjoint(with: captions.flatMap { $0 }))
    }

    /// A tiny bag-of-tokens encoder over the grammar's words, registered as `test-bag` in this
    /// suite's catalogue (no other catalogue sees it).
    static let encoderName = "test-bag"
    static let components: Components = {
        let words = Set((0..<10).flatMap { DigitCaptions.training($0, nil) + DigitCaptions.training($0, .thin) + DigitCaptions.training($0, .bold) }
            .flatMap { $0.split(separator: " ").map(String.init) })
        let tokenizer = try! WordPieceTokenizer(pieces: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + words.sorted())
        let components = Components.standard()
        components.textEncoders.register(encoderName, summary: "test") { _ in
            var rng = RandomStream(seed: 3)
            return BagOfTokensEncoder(tokenizer: tokenizer, dimension: 8, rng: &rng)
        }
        return components
    }()

    @Test func conditionerCyclesTheClassPrompts() throws {
        let cache = PromptEmbeddingCache(encoder: try Self.components.textEncoder(Self.encoderName))
        let conditioner = Conditioner(promptsByClass: [["a 0", "the digit 0"], ["a 1"]], embeddings: cache)
        let c = conditioner.conditions(labels: [0, 1, 0, Conditions.nullLabel, 0])
        #expect(c.text?.prompts == ["a 0", "a 1", "the digit 0", "", "a 0"])
        #expect(c.isNull == [false, false, false, true, false] && c.labels.allSatisfy { $0 == Conditions.nullLabel })
        #expect(Array(c.text!.pooled[0..<8]) == Array(c.text!.pooled[32..<40]))   // same prompt, same row
        #expect(Conditioner.labels.conditions(labels: [2]).labels == [2])
    }

    @Test func promptAlignmentRewardValueAndGradient() throws {
        let digits = try Digits.load().subset(Array(0..<200))
        var rng = RandomStream(seed: 8)
        let classifier = Classifier(inputDimension: 64, classCount: 10, hidden: [16], rng: &rng)
        let reward = PromptAlignmentReward(classifier: classifier, train: digits, thicknessWeight: 0.5)
        let prompts = ["a bold 3", "the numeral seven", "a faint two", "no digit here"]
        let text = TextEmbedding(dimension: 1, pooled: [0, 0, 0, 0], prompts: prompts)
        let conditions = Conditions(count: 4, text: text, isNull: [false, false, false, false])
        let x = Tensor(shape: [4, 64], storage: rng.normal(256).map { 0.5 * $0 })
        let report = GradientCheck.check([x]) { reward.reward($0[0], conditions: conditions) }
        #expect(report.passed, "\(report)")
        // The plain paraphrase scores log p(7 | x) exactly; the unnamed one the classifier's own choice.
        let r = reward.reward(x, conditions: conditions).storage
        let logp7 = classifier.logProbability(x.slice(axis: 0, start: 1, count: 1), labels: [7]).storage[0]
        #expect(Swift.abs(r[1] - logp7) < 1e-5)
        let own = classifier.predict(x.slice(axis: 0, start: 3, count: 1))[0]
        #expect(Swift.abs(r[3] - classifier.logProbability(x.slice(axis: 0, start: 3, count: 1), labels: [own]).storage[0]) < 1e-5)
        // Bolder is better for "a bold 3": more ink raises its reward.
        let inked = reward.reward(x + 0.3, conditions: conditions).storage, plain = r
        #expect(inked[0] - classifier.logProbability((x + 0.3).slice(axis: 0, start: 0, count: 1), labels: [3]).storage[0]
                > plain[0] - classifier.logProbability(x.slice(axis: 0, start: 0, count: 1), labels: [3]).storage[0])
    }

    @Test func textTeacherResumesExactly() throws {
        var c = TeacherTrainingConfiguration()
        c.data = "digits-text"
        c.textEncoder = Self.encoderName
        c.hidden = [32]
        c.batchSize = 16
        c.steps = 12
        c.checkpointEvery = 6
        let straight = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-text-\(UUID())")
        let resumed = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-text-\(UUID())")
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: resumed) }
        let a = try TeacherTrainer(configuration: c, folder: straight, components: Self.components).run(progress: false)
        #expect(a.configuration.textDimension == 8 && a.configuration.embeddingDimension == 64)
        var first = c
        first.steps = 6
        _ = try TeacherTrainer(configuration: first, folder: resumed, components: Self.components).run(progress: false)
        let b = try TeacherTrainer(configuration: c, folder: resumed, components: Self.components).run(progress: false)
        #expect(zip(a.parameters, b.parameters).allSatisfy { $0.storage == $1.storage }, "resume must be exact (captions included)")
        let run = try TeacherRun(folder: straight, components: Self.components)
        #expect(run.conditioner.isText && run.conditioner.promptsByClass?[7].contains("a handwritten seven") == true)
    }

    @Test func diPlusPlusDrawsTheGivenPrompts() throws {
        let text = Conditioner(promptsByClass: [["a 0"], ["a 1"]], embeddings: PromptEmbeddingCache(encoder: try Self.components.textEncoder(Self.encoderName)))
        var c = RunConfiguration()
        c.prompts = ["a bold 7", "number nine"]
        var rng = RandomStream(seed: 1)
        let drawn = try AlignmentRun.conditionSampler(c, conditioner: text, classCount: 2).sample(count: 200, rng: &rng)
        #expect(Set(drawn.text?.prompts ?? []) == Set(c.prompts) && !drawn.isNull.contains(true))
        #expect(throws: ConfigurationError.self) { try AlignmentRun.conditionSampler(c, conditioner: .labels, classCount: 2) }
        c.prompts = ["fine", "  "]
        #expect(throws: ConfigurationError.self) { try AlignmentRun.conditionSampler(c, conditioner: text, classCount: 2) }
        c.prompts = []
        let own = try AlignmentRun.conditionSampler(c, conditioner: text, classCount: 2).sample(count: 50, rng: &rng)
        #expect(Set(own.text?.prompts ?? []) == ["a 0", "a 1"])
    }
}
