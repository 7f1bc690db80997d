import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

extension SampleReport {
    /// `dipp sample --prompt P …`: `perPrompt` samples of a text-conditioned teacher (with
    /// `sampler` and CFG `guidanceScale`) or generator (`generatorFolder`, one step) for each
    /// prompt: a PNG with a row per prompt (and its labelled SVG), and per prompt the share the
    /// in-project classifier gives the digit the prompt names and the mean stroke mass; with
    /// `save`, the raw samples and their prompts as a sample file.
    public static func samplePrompts(_ prompts: [String], teacherFolder: URL?, generatorFolder: URL?, sampler spec: ComponentSpec,
                                     guidanceScale: Float, perPrompt: Int, seed: UInt64, name: String, out: URL?, save: String? = nil,
                                     components: Components = .standard(), print: (String) -> Void = { Swift.print($0) }) throws {
        let run = try generatorFolder.map { try AlignmentRun.finished(runFolder: $0, components: components) }
        let teacherRun = try run?.teacherRun ?? TeacherRun(folder: teacherFolder!, components: components)
        guard teacherRun.conditioner.isText else {
            throw ConfigurationError(location: "--prompt", what: "the model was trained on \(teacherRun.train.name), which has no captions",
                                     hint: "use a teacher trained with --data digits-text (or a generator distilled from one), or sample by class without --prompt")
        }
        let sample: (Conditions, inout RandomStream) -> Tensor
        if let run {
            sample = { run.generator.sample(conditions: $0, rng: &$1) }
        } else {
            let sampler = try components.samplers.make(spec, context: SamplerContext(), path: "sampler")
            sample = { sampler.sample(teacherRun.teacher, guidance: ClassifierFreeGuidance(scale: guidanceScale), conditions: $0, rng: &$1) }
        }
        let classifier = try Classifier.loadOrTrain(on: teacherRun.train, configuration: .init(), folder: teacherRun.classifierFolder)
        let asked = prompts.map(PromptEvaluation.Prompt.init(parsing:))
        var rng = RandomStream(seed: seed, .evaluationSamples)
        let (_, sampled) = PromptEvaluation.evaluate(asked, perPrompt: perPrompt, conditioner: teacherRun.conditioner, classifier: classifier) {
            sample($0, &rng)
        }
        let folder = out ?? generatorFolder ?? teacherFolder!
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let picture = folder.appendingPathComponent("samples-\(name).png").path
        let size = teacherRun.train.imageSize ?? (8, 8)
        try PromptEvaluation.writeGrid(sampled.samples, prompts: prompts, perPrompt: perPrompt, columns: min(perPrompt, 16), imageSize: size,
                                       to: picture)
        for (p, prompt) in asked.enumerated() {
            let rows = (p * perPrompt)..<((p + 1) * perPrompt)
            let mass = sampled.mass[rows].reduce(0, +) / Double(perPrompt)
            let named = prompt.digit >= 0
                ? String(format: "%d/%d classified as %d", rows.filter { sampled.predicted[$0] == prompt.digit }.count, perPrompt, prompt.digit)
                : "names no digit"
            print(String(format: "\"%@\": %@, mean stroke mass %.3f", prompt.text, named, mass))
        }
        if let save {
            let conditions = teacherRun.conditioner.conditions(prompts: prompts.flatMap { [String](repeating: $0, count: perPrompt) })
            try SampleFile.write(samples: sampled.samples, conditions: conditions,
                                 metadata: ["sampler": run == nil ? spec.description : "one-step generator", "seed": String(seed), "data": teacherRun.train.name],
                                 to: URL(fileURLWithPath: save))
            print("samples → \(save)")
        }
        print("sampled \(prompts.count * perPrompt) → \(picture)")
    }
}
