// Digits from text prompts: per seed, a teacher conditioned on all-MiniLM-L6-v2 embeddings of
// the digits' captions (`dipp pretrain --data digits-text --seed k`), its one-step generator
// (`dipp distill --cfg 1.25 --steps 2000`), and that generator aligned with the prompt-alignment
// reward (`dipp align --reward prompt-alignment --cfg 1.25 --steps 1000`) and, separately, with a
// CLIP the project trains on the same data (`dipp reward train-clip --seed k`, then `dipp align
// --reward clip-score:RUN`). Each is asked for every training phrasing and every held-out
// paraphrase of every digit; a table of means ± sd over seeds and, for seed 0, a picture grid per prompt.
//
//   swift run -c release text-prompts            # fast mode (CI): short runs, 3 seeds
//   swift run -c release text-prompts --full     # full mode: Documentation/Results/TextPrompts
//   options: --seeds N (default 3), --out DIR
import DIPPComponents
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
let clipSteps = runs.full ? 3000 : 300
/// The guidance scale of the teacher, in sampling and in distillation: on digits-text it gives a
/// higher agreement *and* a lower FD than α = 1 (Documentation/TextPrompts.md).
let guidance: Float = 1.25
let trainingPrompts = PromptEvaluation.prompts(heldOut: false), heldOutPrompts = PromptEvaluation.prompts(heldOut: true)
let contextPrompts = PromptEvaluation.contextPrompts
/// A teacher trained another way, on the same data and seeds, for the context-word table: the
/// sentence embedding and the captions as written (the earlier default).
let variants: [(name: String, conditioning: String, augmentation: Double)] = [("pooled sentence embedding, captions as written", "pooled", 0)]
let contextGuidance: [Float] = [1, 1.25, 2]
let gridPrompts = ["a bold three", "a thin three", "the digit 3", "the numeral seven", "seven, written by hand", "a heavy seven", "a faint seven",
                   "number nine", "the figure 4", "a drawing of the number two", "a bold 0", "a thin 0"]

/// One model's per-seed values on one prompt set.
struct Row {
    var name: String
    var agreement: [Double] = [], thin: [Double] = [], bold: [Double] = [], ordered: [Double] = [], fd: [Double] = []

    mutating func add(_ r: PromptEvaluation.Result, fd f: Double? = nil) {
        agreement.append(100 * r.agreement)
        thin.append(100 * (r.thinMass - r.plainMass))
        bold.append(100 * (r.boldMass - r.plainMass))
        ordered.append(Double(r.orderedDigits))
        if let f { fd.append(f) }
    }

    var cells: [String] {
        [name, SeedSpread(agreement).formatted(1), SeedSpread(thin).formatted(2), SeedSpread(bold).formatted(2), SeedSpread(ordered).formatted(1)]
            + (fd.isEmpty ? [] : [SeedSpread(fd).formatted(2)])
    }
}

ExampleRuns.main {
    let names = ["teacher, Heun 18 steps, α_cfg \(guidance)", "Diff-Instruct (IKL unit), \(distillSteps) steps",
                 "DI++ prompt-alignment, +\(alignSteps) steps", "DI++ clip-score (train-clip), +\(alignSteps) steps"]
    var training = names.map { Row(name: $0) }, heldOut = names.map { Row(name: $0) }
    var context = names.map { _ in [Double]() }, retrieval: [Double] = []
    /// Per teacher (this one first, then the variants): agreement on the three prompt sets at α_cfg 1.25,
    /// and on the context set at each of `contextGuidance`.
    var teachers = ([("tokens (attention pooling), augmented captions — the default", "tokens", 0.5)] + variants).map { v in
        (name: v.0, training: [Double](), heldOut: [Double](), context: [Double](), byGuidance: contextGuidance.map { _ in [Double]() })
    }
    let (output, firstSeed) = (runs.output, runs.seeds[0])
    for seed in runs.seeds {
        let teacherRun = try TeacherRun(folder: try runs.teacher(seed: seed))
        let classifier = try Classifier.loadOrTrain(on: teacherRun.train, configuration: .init(), folder: teacherRun.classifierFolder)
        let heun = try Components.standard().samplers.make("heun", context: SamplerContext(), path: "sampler")
        func agreement(_ prompts: [PromptEvaluation.Prompt], _ conditioner: Conditioner, _ sample: (Conditions) -> Tensor) -> PromptEvaluation.Result {
            PromptEvaluation.evaluate(prompts, perPrompt: perPrompt, conditioner: conditioner, classifier: classifier, sample: sample).result
        }
        func evaluate(_ name: String, _ sample: @escaping (Conditions, inout RandomStream) -> Tensor)
            throws -> (PromptEvaluation.Result, PromptEvaluation.Result, PromptEvaluation.Result) {
            var rng = RandomStream(seed: seed, .evaluationSamples)
            let conditioner = teacherRun.conditioner
            let t = agreement(trainingPrompts, conditioner) { sample($0, &rng) }
            let h = agreement(heldOutPrompts, conditioner) { sample($0, &rng) }
            let x = agreement(contextPrompts, conditioner) { sample($0, &rng) }
            if seed == firstSeed {
                let prompts = gridPrompts.map(PromptEvaluation.Prompt.init(parsing:))
                let (_, grid) = PromptEvaluation.evaluate(prompts, perPrompt: 10, conditioner: conditioner, classifier: classifier) { sample($0, &rng) }
                try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
                try PromptEvaluation.writeGrid(grid.samples, prompts: gridPrompts, perPrompt: 10, columns: 10, imageSize: (8, 8),
                                               to: output.appendingPathComponent("prompts-\(name).png").path)
            }
            return (t, h, x)
        }
        let cfg = ClassifierFreeGuidance(scale: guidance)
        let (teacherTrain, teacherHeld, teacherContext) = try evaluate("teacher") { heun.sample(teacherRun.teacher, guidance: cfg, conditions: $0, rng: &$1) }
        let teacherReport = try SampleReport.sampleTeacher(model: teacherRun.folder.path, sampler: "heun", guidanceScale: guidance, perClass: 100,
                                                           seed: seed, name: "teacher-heun-cfg\(guidance)", print: { _ in })
        training[0].add(teacherTrain, fd: teacherReport.image?.frechetDistance)
        heldOut[0].add(teacherHeld)
        context[0].append(100 * teacherContext.agreement)

        // The teachers on the three prompt sets, each at α_cfg 1.25, and on the context set at each guidance.
        for (k, variant) in ([nil] + variants.map(Optional.some)).enumerated() {
            let run: TeacherRun
            if let variant {
                var c = teacherRun.configuration
                (c.textConditioning, c.captionAugmentation) = (variant.conditioning, variant.augmentation)
                let folder = runs.seedFolder(seed).appendingPathComponent("teacher-\(variant.conditioning)-augmentation\(variant.augmentation)")
                if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("teacher.safetensors").path) {
                    _ = try TeacherTrainer(configuration: c, folder: folder).run(progress: false)
                }
                run = try TeacherRun(folder: folder)
            } else {
                run = teacherRun
            }
            var rng = RandomStream(seed: seed, .evaluationSamples)
            let sample = { (g: Float, conditions: Conditions) in heun.sample(run.teacher, guidance: ClassifierFreeGuidance(scale: g), conditions: conditions, rng: &rng) }
            let main = variant == nil   // this teacher at α_cfg 1.25 was measured above
            teachers[k].training.append(100 * (main ? teacherTrain : agreement(trainingPrompts, run.conditioner) { sample(guidance, $0) }).agreement)
            teachers[k].heldOut.append(100 * (main ? teacherHeld : agreement(heldOutPrompts, run.conditioner) { sample(guidance, $0) }).agreement)
            for (j, g) in contextGuidance.enumerated() {
                let result = main && g == guidance ? teacherContext : agreement(contextPrompts, run.conditioner) { sample(g, $0) }
                teachers[k].byGuidance[j].append(100 * result.agreement)
            }
        }

        let (distilled, distilledFolder) = try runs.run("distill-cfg\(guidance)-\(distillSteps)", seed: seed, base: .distillDefaults) { c in
            c.divergence = ComponentSpec("ikl", options: ["weighting": .string("unit")])
            c.algorithm.teacherGuidance = .constant(guidance)
            c.algorithm.steps = distillSteps
            c.algorithm.generatorLearningRate = 1e-4
        }
        let distilledGenerator = try AlignmentRun.finished(runFolder: distilledFolder).generator
        let (dTrain, dHeld, dContext) = try evaluate("distilled") { distilledGenerator.sample(conditions: $0, rng: &$1) }
        training[1].add(dTrain, fd: distilled.report.image?.frechetDistance)
        heldOut[1].add(dHeld)
        context[1].append(100 * dContext.agreement)

        let (aligned, alignedFolder) = try runs.run("align-prompt-cfg\(guidance)-\(alignSteps)", seed: seed, base: .alignDefaults,
                                                    initialWeights: distilledFolder.appendingPathComponent("generator.safetensors")) { c in
            c.reward = "prompt-alignment"
            c.algorithm.teacherGuidance = .constant(guidance)
            c.algorithm.rewardNormalization = .gradient   // the running normaliser its Results page was measured with
            c.algorithm.steps = alignSteps
        }
        let alignedGenerator = try AlignmentRun.finished(runFolder: alignedFolder).generator
        let (aTrain, aHeld, aContext) = try evaluate("aligned") { alignedGenerator.sample(conditions: $0, rng: &$1) }
        training[2].add(aTrain, fd: aligned.report.image?.frechetDistance)
        heldOut[2].add(aHeld)
        context[2].append(100 * aContext.agreement)

        var clip = CLIPTrainingConfiguration()
        (clip.data, clip.seed, clip.steps) = ("digits-text", seed, clipSteps)
        let clipFolder = runs.seedFolder(seed).appendingPathComponent("clip-\(clipSteps)")
        let clipReport = try CLIPTraining.train(clip, folder: clipFolder, log: { _ in }).report
        retrieval.append(100 * clipReport.heldOutRetrieval)
        let (clipAligned, clipAlignedFolder) = try runs.run("align-clip-cfg\(guidance)-\(alignSteps)", seed: seed, base: .alignDefaults,
                                                            initialWeights: distilledFolder.appendingPathComponent("generator.safetensors")) { c in
            c.reward = ComponentSpec("clip-score:" + clipFolder.path)
            c.algorithm.teacherGuidance = .constant(guidance)
            c.algorithm.rewardNormalization = .gradient
            c.algorithm.steps = alignSteps
        }
        let clipGenerator = try AlignmentRun.finished(runFolder: clipAlignedFolder).generator
        let (cTrain, cHeld, cContext) = try evaluate("aligned-clip") { clipGenerator.sample(conditions: $0, rng: &$1) }
        training[3].add(cTrain, fd: clipAligned.report.image?.frechetDistance)
        heldOut[3].add(cHeld)
        context[3].append(100 * cContext.agreement)
    }
    let columns = ["model", "agreement (%)", "thin − plain stroke mass (×100)", "bold − plain stroke mass (×100)", "digits thin < plain < bold (of 10)"]
    let trainingTable = MarkdownTable(header: columns + ["FD-digits-text"], rows: training.map(\.cells))
    let heldOutTable = MarkdownTable(header: columns, rows: heldOut.map(\.cells))
    let contextTable = MarkdownTable(header: ["model", "agreement (%)"], rows: zip(names, context).map { [$0, SeedSpread($1).formatted(1)] })
    let teacherTable = MarkdownTable(header: ["teacher (α_cfg \(guidance) unless named)", "training (%)", "held-out paraphrases (%)"]
                                     + contextGuidance.map { "context words, α_cfg \($0) (%)" },
                                     rows: teachers.map { t in [t.name, SeedSpread(t.training).formatted(1), SeedSpread(t.heldOut).formatted(1)]
                                         + t.byGuidance.map { SeedSpread($0).formatted(1) } })
    let perSeed = { (values: [Double]) in values.map { String(format: "%.1f", $0) }.joined(separator: ", ") }
    let gain = SeedSpread(zip(heldOut[2].agreement, heldOut[1].agreement).map { $0 - $1 })
    let fdRatio = SeedSpread(zip(training[2].fd, training[1].fd).map { $0 / $1 })
    let clipGain = SeedSpread(zip(heldOut[3].agreement, heldOut[1].agreement).map { $0 - $1 })
    let clipFDRatio = SeedSpread(zip(training[3].fd, training[1].fd).map { $0 / $1 })
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

    **Training prompts** (\(trainingPrompts.count) phrasings):

    \(trainingTable.text)

    **Held-out paraphrases** (\(heldOutPrompts.count), never seen in training; thin/bold ones such as "a faint seven", "a heavy seven"):

    \(heldOutTable.text)

    **Held-out prompts with context words** (\(contextPrompts.count): three phrasings per digit — "a handwritten seven next to a coffee mug",
    "my grandmother wrote the number seven on the chalkboard", "7, scribbled in crayon on a crumpled receipt" — whose context
    words appear in no training caption, no augmentation and no paraphrase):

    \(contextTable.text)

    Per seed, the teacher at α_cfg \(guidance): \(perSeed(teachers[0].byGuidance[1])).

    **How the teacher reads the prompt.** The same data and seeds, the teacher trained two ways (\(runs.full ? 4000 : 1500) steps each):
    reading the caption's token embeddings through attention pooling with augmented captions (the default for digits-text),
    and reading the pooled sentence embedding of the captions as written (the earlier default). Agreement, Heun 18 steps:

    \(teacherTable.text)

    Alignment against its own starting point, per seed (paired): held-out agreement
    \(gain.formatted(1)) points (per seed: \(gain.values.map { String(format: "%+.1f", $0) }.joined(separator: ", "))); FD ratio aligned /
    distilled \(fdRatio.formatted(2)).

    With the project's own CLIP (`dipp reward train-clip --data digits-text --seed k --steps \(clipSteps)`: width 64, 2 layers
    per tower, patch 2, BPE learned from the training captions; held-out image→caption retrieval against one plain caption
    per digit \(SeedSpread(retrieval).formatted(1))% top-1, per seed \(retrieval.map { String(format: "%.1f", $0) }.joined(separator: ", "))) as the
    reward (`--reward clip-score:RUN`, 100·cos, α_rew 1 gradient-normalised, from the same distilled generator): held-out
    agreement \(clipGain.formatted(1)) points over the distilled generator (per seed: \(clipGain.values.map { String(format: "%+.1f", $0) }.joined(separator: ", "))),
    FD ratio \(clipFDRatio.formatted(2)) (per seed: \(clipFDRatio.values.map { String(format: "%.2f", $0) }.joined(separator: ", "))).

    Pictures (seed \(runs.seeds[0]), one row per prompt): `prompts-teacher.png`, `prompts-distilled.png`, `prompts-aligned.png`,
    `prompts-aligned-clip.png`.
    """
    try runs.publish(page)
}
