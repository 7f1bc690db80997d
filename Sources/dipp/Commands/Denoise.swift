import ArgumentParser
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation

/// `dipp denoise`: one denoiser evaluation on given inputs, to check an imported (or any) model
/// against its reference implementation.
struct Denoise: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write D(x; σ, c), the model's x₀ prediction, for the inputs in a safetensors file.",
        discussion: "x is EDM-scaled: for a diffusers model at timestep t, x = x_t/√ᾱ_t and σ = √((1−ᾱ_t)/ᾱ_t). "
            + "Input tensor 'x' [N] + sample shape (or the file's only tensor) and optionally 'labels' [N]; output tensor 'denoised'."
    )

    @Option(help: "A dipp pretrain run folder, or diffusers:DIR.") var model: String
    @Option(help: "Safetensors file with the inputs x.") var input: String
    @Option(help: "Noise level σ of every input.") var sigma: Float
    @Option(help: "Class labels, comma-separated, one per input (default: the file's 'labels', else ∅).") var labels: String?
    @Option(help: "Safetensors file to write ('denoised').") var save: String

    func run() throws {
        try reportingErrors {
            guard sigma.isFinite, sigma > 0 else { throw ValidationError("--sigma must be a positive noise level") }
            let teacher = try TeacherRun.model(reference: model, components: CLI.components)
            let contents = try SafeTensors.read(contentsOf: URL(fileURLWithPath: input))
            guard let x = contents.tensors["x"] ?? (contents.tensors.count == 1 ? contents.tensors.values.first : nil) else {
                throw ConfigurationError(location: input, what: "no tensor 'x' (and more than one tensor)", hint: "name the inputs 'x'")
            }
            guard Array(x.shape.dropFirst()) == teacher.sampleShape else {
                throw ConfigurationError(location: "\(input), tensor 'x'", what: "shape \(x.shape); the model takes [N] + \(teacher.sampleShape)",
                                         hint: "one input per row, each of the model's sample shape")
            }
            let n = x.shape[0]
            guard teacher.configuration.textDimension == 0, teacher.configuration.cameraDimension == 0 else {
                throw ValidationError("the model reads text or camera conditions, which dipp denoise does not take: it takes class labels")
            }
            var rows = try contents.tensors["labels"].map { t in try t.storage.map { v in
                guard let label = Int(exactly: v) else { throw ValidationError("\(input): label \(v) is not an integer") }
                return label
            } } ?? [Int](repeating: Conditions.nullLabel, count: n)
            if let labels { rows = try labels.split(separator: ",").map { part in
                guard let v = Int(part.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--labels: '\(part)' is not an integer") }
                return v
            } }
            guard rows.count == n else { throw ValidationError("\(rows.count) labels for \(n) inputs") }
            let classes = teacher.configuration.classCount
            if let bad = rows.first(where: { $0 >= 0 && !(0..<classes).contains($0) }) {
                throw ValidationError("label \(bad) is outside the model's \(classes) classes")
            }
            if rows.contains(where: { $0 < 0 }), !teacher.configuration.acceptsNullCondition {
                throw ValidationError("the model has no ∅ class (label −1): pass --labels with one of its \(classes) classes per input")
            }
            let denoised = withoutGradients {
                teacher.denoise(x, sigma: Tensor.full([n], sigma), conditions: Conditions(labels: rows.map { $0 < 0 ? Conditions.nullLabel : $0 }))
            }
            try SafeTensors.write(["denoised": denoised], metadata: ["model": model, "sigma": String(sigma)], to: URL(fileURLWithPath: save))
            print("denoised \(n) inputs at σ = \(sigma) → \(save)")
        }
    }
}
