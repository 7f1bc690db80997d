import ArgumentParser
import DIPPDiffusion
import DIPPRuns
import Foundation

/// `dipp export`: a run's generator (or teacher) as a diffusers folder PyTorch can load.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a run's one-step generator (distill/align run) or teacher (pretrain run) as a diffusers UNet2DModel folder.",
        discussion: "The folder holds unet/ (config.json, diffusion_pytorch_model.safetensors) and dipp_one_step.json or dipp_denoiser.json, "
            + "which records the wrapper (σ_init, the preconditioning); Scripts/sample_exported.py samples it with torch and diffusers. "
            + "See Documentation/BringYourOwn.md."
    )

    @Argument(help: "A finished dipp distill / align run folder (generator.json), or a dipp pretrain run folder (model.json).") var runFolder: String
    @Option(help: "Target format (diffusers).") var to: String = "diffusers"
    @Option(help: "Folder to write.") var out: String

    func run() throws {
        try reportingErrors {
            guard to == "diffusers" else { throw ValidationError("--to diffusers is the one target") }
            let folder = URL(fileURLWithPath: runFolder), target = URL(fileURLWithPath: out)
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("generator.json").path) {
                let finished = try AlignmentRun.finished(runFolder: folder, components: CLI.components)
                try DiffusersExport.writeGenerator(finished.generator, to: target, source: folder.path)
                print("exported the one-step generator of \(runFolder) → \(out) (unet/, dipp_one_step.json)")
            } else {
                let teacher = try TeacherRun(folder: folder, components: CLI.components).teacher
                try DiffusersExport.writeTeacher(teacher, to: target, source: folder.path)
                print("exported the teacher of \(runFolder) → \(out) (unet/, dipp_denoiser.json)")
            }
        }
    }
}
