// Digits from text prompts: per seed, a teacher conditioned on all-MiniLM-L6-v2 embeddings of
// the digits' captions (`dipp pretrain --data digits-text --seed k`), its one-step generator
// (`dipp distill --cfg 1.25 --steps 2000`), and that generator aligned with the prompt-alignment
// reward (`dipp align --reward prompt-alignment --cfg 1.25 --steps 1000`). Each is asked for every
// training phrasing and every held-out paraphrase of every digit; a table of means ± sd over seeds
// and, for seed 0, a picture grid per prompt.
//
//   swift run -c release text-prompts            # fast mode (CI): short runs, 3 seeds
//   swift run -c release text-prompts --full     # full mode: Documentation/Results/TextPrompts
//   options: --seeds N (default 3), --out DIR
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import ExampleSupport
import Foundation

let runs = ExampleRuns(name: "text-prompts", fullOutput: "Documentation/Results/TextPrompts", data: "digits-text")
let command = "swift run -c release text-prompts" + (runs.full ? " --full" : "")
let (distillSteps, alignSteps, perPrompt) = runs.full ? (2000, 1000, 20) : (200, 100, 8)
/// The guidance scale of the teacher, in sampling and in distillation: on digits-text it gives a
/// higher agreement *and* a lower FD than α = 1 (Documentation/TextPrompts.md).
let guidance: Float = 1.25
let trainingPrompts = PromptEvaluation.prompts(heldOut: false), heldOutPrompts = PromptEvaluation.prompts(heldOut: true)
let gridPrompts = ["a bold three", "a thin three", "the digit 3", "the numeral seven", "seven, written by hand", "a heavy seven", "a faint seven",
                   "number nine", "the figure 4", "a drawing of the number two", "a bold 0", "a thin 0"]

/// One model's per-seed values.
struct Row {
    var name: String
    var train: [Double] = [], heldOut: [Double] = [], thin: [Double] = [], bold: [Double] = [], ordered: [Double] = [], fd: [Double] = []

    mutating func add(train t: PromptEvaluation.Result, heldOut h: PromptEvaluation.Result, fd f: Double?) {
        train.append(100 * t.agreement)
        heldOut.append(100 * h.agreement)
        thin.append(100 * (t.thinMass - t.plainMass))
        bold.append(100 * (t.boldMass - t.plainMass))
        ordered.append(Double(t.orderedDigits))
        fd.append(f ?? .nan)
    }

    var cells: [String] {
        [name, SeedSpread(train).formatted(1), SeedSpread(heldOut).formatted(1), SeedSpread(thin).formatted(2), SeedSpread(bold).formatted(2),
         SeedSpread(ordered).formatted(1), SeedSpread(fd).formatted(2)]
    }
}

ExampleRuns.main {
    var teacherRow = Row(name: "teacher, Heun 18 steps, α_cfg \(guidance)")
    var distilledRow = Row(name: "Diff-Instruct (IKL unit), \(distillSteps) steps")
    var alignedRow = Row(name: "DI++ prompt-alignment, +\(alignSteps) steps")
    var heldOutThickness: [String] = []
    let (output, firstSeed) = (runs.output, runs.seeds[0])
    for seed in runs.seeds {
        let teacherRun = try TeacherRun(folder: try runs.teacher(seed: seed))
        let classifier = try Classifier.loadOrTrain(on: teacherRun.train, configuration: .init(), folder: teacherRun.classifierFolder)
        let heun = try Components.standard().samplers.make("heun", context: SamplerContext(), path: "sampler")
        func evaluate(_ name: String, _ sample: @escaping (Conditions, inout RandomStream) -> Tensor) throws -> (PromptEvaluation.Result, PromptEvaluation.Result) {
            var rng = RandomStream(seed: seed, .evaluationSamples)
            let conditioner = teacherRun.conditioner
            let (t, _) = PromptEvaluation.evaluate(trainingPrompts, perPrompt: perPrompt, conditioner: conditioner, classifier: classifier) { sample($0, &rng) }
            let (h, _) = PromptEvaluation.evaluate(heldOutPrompts, perPrompt: perPrompt, conditioner: conditioner, classifier: classifier) { sample($0, &rng) }
            if seed == firstSeed {
                let prompts = gridPrompts.map { PromptEvaluation.Prompt(text: $0, digit: DigitCaptions.parse($0).digit ?? 0, thickness: nil) }
                let (_, grid) = PromptEvaluation.evaluate(prompts, perPrompt: 10, conditioner: conditioner, classifier: classifier) { sample($0, &rng) }
                try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
                try PromptEvaluation.writeGrid(grid, prompts: gridPrompts, perPrompt: 10, columns: 10, imageSize: (8, 8),
                                               to: output.appendingPathComponent("prompts-\(name).png").path)
            }
            return (t, h)
        }
        let cfg = ClassifierFreeGuidance(scale: guidance)
        let (teacherTrain, teacherHeld) = try evaluate("teacher") { heun.sample(teacherRun.teacher, guidance: cfg, conditions: $0, rng: &$1) }
        let teacherReport = try SampleReport.sampleTeacher(folder: teacherRun.folder, sampler: "heun", guidanceScale: guidance, perClass: 100,
                                                           seed: seed, name: "teacher-heun-cfg\(guidance)", print: { _ in })
        teacherRow.add(train: teacherTrain, heldOut: teacherHeld, fd: teacherReport.image?.frechetDistance)
        heldOutThickness.append(String(format: "seed %d: thin %.3f, plain %.3f, bold %.3f", seed, teacherHeld.thinMass, teacherHeld.plainMass, teacherHeld.boldMass))

        let (distilled, distilledFolder) = try runs.run("distill-cfg\(guidance)-\(distillSteps)", seed: seed, base: .distillDefaults) { c in
            c.divergence = ComponentSpec("ikl", options: ["weighting": .string("unit")])
            c.algorithm.teacherGuidance = .constant(guidance)
            c.algorithm.steps = distillSteps
            c.algorithm.generatorLearningRate = 1e-4
        }
        let distilledGenerator = try AlignmentRun.finished(runFolder: distilledFolder).generator
        let (dTrain, dHeld) = try evaluate("distilled") { distilledGenerator.sample(conditions: $0, rng: &$1) }
        distilledRow.add(train: dTrain, heldOut: dHeld, fd: distilled.report.image?.frechetDistance)

        let (aligned, alignedFolder) = try runs.run("align-prompt-cfg\(guidance)-\(alignSteps)", seed: seed, base: .alignDefaults,
                                                    initialWeights: distilledFolder.appendingPathComponent("generator.safetensors")) { c in
            c.reward = "prompt-alignment"
            c.algorithm.teacherGuidance = .constant(guidance)
            c.algorithm.steps = alignSteps
        }
        let alignedGenerator = try AlignmentRun.finished(runFolder: alignedFolder).generator
        let (aTrain, aHeld) = try evaluate("aligned") { alignedGenerator.sample(conditions: $0, rng: &$1) }
        alignedRow.add(train: aTrain, heldOut: aHeld, fd: aligned.report.image?.frechetDistance)
    }
    let table = MarkdownTable(header: ["model", "agreement, training prompts (%)", "agreement, held-out paraphrases (%)",
                                       "thin − plain stroke mass (×100)", "bold − plain stroke mass (×100)", "digits thin < plain < bold (of 10)",
                                       "FD-digits-text"],
                              rows: [teacherRow, distilledRow, alignedRow].map(\.cells))
    let page = """
    # Digits from text prompts (\(runs.mode) mode)

    Made by `\(command)`. \(runs.seeds.count) seeds (k = \(runs.seeds.map(String.init).joined(separator: ", "))); each seed has its
    own text-conditioned teacher (all-MiniLM-L6-v2 prompt embeddings), one-step generator and aligned
    generator. Cells: mean ± sd over seeds. Agreement: the fraction of samples the in-project
    classifier assigns to the digit the prompt names, over \(perPrompt) samples for each of the
    \(trainingPrompts.count) training phrasings and the \(heldOutPrompts.count) held-out paraphrases (never seen in
    training). Stroke mass: mean ink fraction of the samples of thin/bold training prompts minus
    that of plain prompts. FD-digits-text: 1000 class-balanced samples (training prompts) against
    the held-out half of the real digits. Teacher guidance α_cfg = \(guidance) in sampling and distillation;
    alignment: `--reward prompt-alignment`, α_rew 1 (gradient-normalised), learning rate 2e-5.

    \(table.text)

    Held-out thickness paraphrases ("a faint seven", "a heavy seven", …), teacher, mean stroke mass:
    \(heldOutThickness.joined(separator: "; ")).

    Pictures (seed \(runs.seeds[0]), one row per prompt): `prompts-teacher.png`, `prompts-distilled.png`, `prompts-aligned.png`.
    """
    try runs.publish(page)
}
