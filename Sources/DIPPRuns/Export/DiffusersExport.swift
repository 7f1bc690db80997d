import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// `dipp export RUN --to diffusers`: a DIPP denoiser — a teacher, or the network inside a
/// one-step generator — written as a diffusers `UNet2DModel` folder (`config.json`,
/// `diffusion_pytorch_model.safetensors`, fp32), beside a small JSON that records what wraps it:
///
/// - `dipp_one_step.json` for a generator `x = D(σ_init·z; σ_init, c)`:
///   `{"format": "dipp-one-step-generator", "version": 1, "unet": "unet", "sample_shape",
///   "class_count", "sigma_init", "preconditioning", "output"}`;
/// - `dipp_denoiser.json` for a teacher: the same without `sigma_init` and `output`.
///
/// `preconditioning` is `{"kind": "edm", "sigma_data"}` (`D = c_skip·x + c_out·F(c_in·x, ¼ ln σ)`)
/// or, for a model imported from diffusers, `{"kind": "vp-discrete", "prediction_type",
/// "alphas_cumprod", "first_level"}` (``DiscreteVPSchedule``). `output` is how samples are kept
/// in the data range: `{"kind": "none"}`, `{"kind": "clamp" | "tanh", "low", "high"}`.
/// `Scripts/sample_exported.py` draws samples from an exported generator with torch and diffusers.
public enum DiffusersExport {
    /// Writes `denoiser`'s network to `folder` as a diffusers `UNet2DModel`.
    public static func writeModel(_ denoiser: EDMDenoiser, to folder: URL, source: String) throws {
        guard let network = denoiser.network as? UNet2DNetwork else {
            throw ConfigurationError(location: source, what: "the model's architecture is \(denoiser.configuration.architecture), which has no diffusers equivalent",
                                     hint: "train the teacher with --architecture unet2d (diffusers' UNet2DModel; the default for image folders), then distil again")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var config = try JSONSerialization.jsonObject(with: JSONEncoder().encode(network.configuration)) as! [String: Any]
        let shape = denoiser.configuration.sampleShape
        config["sample_size"] = shape[1] == shape[2] ? shape[1] as Any : [shape[1], shape[2]]
        config["_class_name"] = "UNet2DModel"
        config["_diffusers_version"] = "0.42.1"
        try writeJSON(config, to: folder.appendingPathComponent("config.json"))
        try SafeTensors.write(DiffusersFolder.diffusersState(of: network), metadata: ["format": "pt"],
                              to: folder.appendingPathComponent("diffusion_pytorch_model.safetensors"))
    }

    /// The wrapper's description (`preconditioning` and the shape / class keys).
    static func wrapper(_ denoiser: EDMDenoiser) -> [String: Any] {
        let c = denoiser.configuration
        let preconditioning: [String: Any]
        if let s = c.schedule {
            preconditioning = ["kind": "vp-discrete", "prediction_type": s.prediction.rawValue, "alphas_cumprod": s.alphasCumprod,
                               "first_level": s.firstLevel]
        } else {
            preconditioning = ["kind": "edm", "sigma_data": Double(c.sigmaData)]
        }
        return ["version": 1, "unet": "unet", "sample_shape": c.sampleShape, "class_count": c.classCount, "preconditioning": preconditioning]
    }

    /// A teacher: `folder/unet/` and `folder/dipp_denoiser.json`.
    public static func writeTeacher(_ teacher: EDMDenoiser, to folder: URL, source: String) throws {
        try writeModel(teacher, to: folder.appendingPathComponent("unet"), source: source)
        var description = wrapper(teacher)
        description["format"] = "dipp-denoiser"
        try writeJSON(description, to: folder.appendingPathComponent("dipp_denoiser.json"))
    }

    /// A one-step generator (``OneStepGenerator``, possibly kept in range by ``BoundedGenerator``):
    /// `folder/unet/` and `folder/dipp_one_step.json`.
    public static func writeGenerator(_ generator: any Generator, to folder: URL, source: String) throws {
        let bounded = generator as? BoundedGenerator
        guard let oneStep = (bounded?.base ?? generator) as? OneStepGenerator else {
            throw ConfigurationError(location: source, what: "the generator is not DIPP's one-step generator (one-step), so it is no diffusers model",
                                     hint: "export runs whose generator is one-step (the default)")
        }
        try writeModel(oneStep.denoiser, to: folder.appendingPathComponent("unet"), source: source)
        var description = wrapper(oneStep.denoiser)
        description["format"] = "dipp-one-step-generator"
        description["sigma_init"] = Double(oneStep.sigmaInit)
        if let bounded, bounded.mode != .none {
            description["output"] = ["kind": bounded.mode.rawValue, "low": Double(bounded.low), "high": Double(bounded.high)]
        } else {
            description["output"] = ["kind": "none"]
        }
        try writeJSON(description, to: folder.appendingPathComponent("dipp_one_step.json"))
    }

    static func writeJSON(_ object: [String: Any], to url: URL) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: url, options: .atomic)
    }
}
