import ArgumentParser
import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation

/// `dipp sample`: samples from a pre-trained teacher (any registered sampler, optional CFG) or
/// from a distilled generator (one step), with the PNG, the report and optionally the raw samples.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sample a teacher with a registered sampler or a generator (one step) to a PNG (grid per class, or 2-D scatter) and report its metrics.")

    @Option(help: "Run folder of `dipp pretrain`, or diffusers:DIR (a diffusers UNet2DModel or DDPM pipeline folder) (diffusion sampling).") var model: String?
    @Option(help: ArgumentHelp("With --model diffusers:DIR: the data set to evaluate against (default: the model's own samples).",
                               valueName: CLI.valueName("data set"))) var data: String?
    @Option(help: "Run folder of `dipp distill` / `dipp align` (one-step sampling).") var generator: String?
    @Option(help: ArgumentHelp("Sampler for --model: a registered name, or JSON such as '{\"name\":\"heun\",\"steps\":32}' (`dipp components sampler`).",
                               valueName: CLI.valueName("sampler"))) var sampler: String = "heun"
    @Option(help: "Sampler steps N (heun: 2N−1 evaluations; euler: N).") var steps: Int?
    @Option(help: "Classifier-free guidance scale α (1 = none).") var cfg: Float = 1
    @Option(help: "Samples per class (per prompt with --prompt).") var perClass: Int = 100
    @Option(help: "A prompt for a text-conditioned model (repeat for several): a row of samples per prompt instead of per class.")
    var prompt: [String] = []
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Name of the outputs (samples-<name>.png, report-<name>.json) in the run folder.") var name: String?
    @Option(help: "Also write the samples with their conditions and the noise they started from to this .safetensors file (tensors 'samples', 'labels', 'latents').") var save: String?
    @Option(help: ArgumentHelp("Score the samples with a reward: a registered name, rm:RUN, a plugin PATH.so or ffi:… (mean ± sd in the report).",
                               valueName: CLI.valueName("reward")))
    var reward: String?
    @Option(help: "Folder for the PNG, the labelled SVG grid and the report (default: the run folder).") var out: String?
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard perClass >= 1, steps.map({ $0 >= 1 }) ?? true else { throw ValidationError("--steps and --per-class must be positive") }
        guard cfg.isFinite else { throw ValidationError("--cfg must be a finite number, e.g. --cfg 2") }
        guard (model == nil) != (generator == nil) else {
            throw ValidationError("give exactly one of --model (a teacher run) or --generator (a distill/align run)")
        }
        guard data == nil || (model?.hasPrefix(TeacherRun.importPrefix) == true && prompt.isEmpty) else {
            throw ValidationError("--data is for --model diffusers:DIR (a run folder names its own data)")
        }
    }

    func run() throws {
        try reportingErrors {
            try compute.apply()
            let components = CLI.components
            var spec = try ComponentSpec(argument: sampler, flag: "--sampler", example: #"{"name": "heun", "steps": 32}"#)
            if let steps { spec = spec.setting("steps", .number(Double(steps))) }
            if !prompt.isEmpty {
                try SampleReport.samplePrompts(prompt, teacherFolder: model.map { URL(fileURLWithPath: $0) },
                                               generatorFolder: generator.map { URL(fileURLWithPath: $0) }, sampler: spec, guidanceScale: cfg,
                                               perPrompt: perClass, seed: seed, name: name ?? "prompts", out: outFolder, save: save,
                                               components: components)
                return
            }
            if let generator {
                try SampleReport.sampleGenerator(runFolder: URL(fileURLWithPath: generator), components: components, perClass: perClass,
                                                 seed: seed, name: name ?? "one-step", save: save, reward: rewardSpec, out: outFolder)
                return
            }
            try SampleReport.sampleTeacher(model: model!, data: data ?? "", sampler: spec, components: components, guidanceScale: cfg,
                                           perClass: perClass, seed: seed, name: name ?? "\(spec.name)\(steps.map(String.init) ?? "")-cfg\(cfg)",
                                           save: save, reward: rewardSpec, out: outFolder)
        }
    }

    var rewardSpec: ComponentSpec? { reward.map { ComponentSpec(absolutePluginPath($0)) } }
    var outFolder: URL? { out.map { URL(fileURLWithPath: $0) } }
}
