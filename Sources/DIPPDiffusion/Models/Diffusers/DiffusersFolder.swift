import DIPPNN
import DIPPTensor
import Foundation

/// A diffusers `UNet2DModel` on disk, as DIPP reads and writes it.
///
/// Layouts read: a pipeline folder (`model_index.json`, `unet/`, `scheduler/`) or a bare model
/// folder (`config.json` + `diffusion_pytorch_model.safetensors`, with `scheduler_config.json`
/// beside them, as `google/ddpm-cifar10-32` is laid out). Weights in fp32, fp16 or bf16
/// safetensors; pickled `.bin` weights are refused (DIPP runs no pickle).
public enum DiffusersFolder {
    /// The parts of a folder: the model's folder, its config, weights and scheduler config.
    public struct Layout {
        public let modelFolder: URL
        public let config: URL
        public let weights: URL
        public let scheduler: URL?
    }

    static let weightsName = "diffusion_pytorch_model.safetensors"

    /// Finds the model's files in `folder` (either layout), or says what is missing.
    public static func layout(of folder: URL) throws -> Layout {
        let fm = FileManager.default
        let exists = { (url: URL) in fm.fileExists(atPath: url.path) }
        guard exists(folder) else {
            throw ConfigurationError(location: folder.path, what: "no such folder", hint: "pass a diffusers pipeline or UNet2DModel folder")
        }
        let isPipeline = exists(folder.appendingPathComponent("model_index.json"))
        let model = isPipeline ? folder.appendingPathComponent("unet") : folder
        let config = model.appendingPathComponent("config.json"), weights = model.appendingPathComponent(weightsName)
        guard exists(config) else {
            throw ConfigurationError(location: model.path, what: "no config.json", hint: isPipeline
                                     ? "a pipeline folder needs unet/config.json" : "pass a pipeline folder (model_index.json) or a UNet2DModel folder (config.json)")
        }
        guard exists(weights) else {
            let pickled = ["diffusion_pytorch_model.bin", "pytorch_model.bin"].map(model.appendingPathComponent).first(where: exists)
            throw ConfigurationError(location: model.path, what: pickled.map { "weights only as a PyTorch pickle (\($0.lastPathComponent)), which DIPP does not run" }
                                     ?? "no \(weightsName)",
                                     hint: "convert them: python3 -c \"from diffusers import UNet2DModel; UNet2DModel.from_pretrained('DIR').save_pretrained('DIR', safe_serialization=True)\"")
        }
        let scheduler = [folder.appendingPathComponent("scheduler/scheduler_config.json"), model.appendingPathComponent("scheduler_config.json"),
                         folder.appendingPathComponent("scheduler_config.json")].first(where: exists)
        return Layout(modelFolder: model, config: config, weights: weights, scheduler: scheduler)
    }

    /// A JSON object from `url`, or an error naming the file.
    static func object(_ url: URL) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigurationError(location: url.path, what: "not a JSON object", hint: "the file is damaged; save the model again")
        }
        return object
    }

    /// The denoiser configuration of the model in `folder`: architecture `unet2d` with its
    /// `UNet2DModel` configuration and its scheduler's ``DiscreteVPSchedule``. `classCount` is
    /// `num_class_embeds` (an imported model has no row for `∅`).
    public static func configuration(of folder: URL) throws -> DenoiserConfiguration { try configuration(of: layout(of: folder)) }

    static func configuration(of layout: Layout) throws -> DenoiserConfiguration {
        var config = try object(layout.config)
        var sides: [Int]?
        if let pair = config["sample_size"] as? [Int] {   // diffusers also writes [height, width]
            guard pair.count == 2 else {
                throw ConfigurationError(location: "\(layout.config.path), field 'sample_size'", what: "sample size \(pair)", hint: "a side, or [height, width]")
            }
            sides = pair
            config["sample_size"] = pair[0] == pair[1] ? pair[0] as Any : NSNull()
        }
        var unet = try UNet2DConfiguration.parse(config, source: layout.config.path)
        guard let schedulerFile = layout.scheduler else {
            throw ConfigurationError(location: layout.modelFolder.path, what: "no scheduler configuration (scheduler/scheduler_config.json or scheduler_config.json)",
                                     hint: "DIPP needs the noise levels the model was trained on; copy the scheduler config from the model's source")
        }
        let schedule = try DiscreteVPSchedule.parse(object(schedulerFile), source: schedulerFile.path,
                                                    fourierTimeEmbedding: unet.timeEmbeddingType == "fourier")
        guard let (height, width) = sides.map({ ($0[0], $0[1]) }) ?? unet.sampleSize.map({ ($0, $0) }) else {
            throw ConfigurationError(location: "\(layout.config.path), field 'sample_size'", what: "no sample size",
                                     hint: "set sample_size to the image side the model was trained on")
        }
        unet.sampleSize = height == width ? height : nil
        var c = DenoiserConfiguration(architecture: "unet2d", sampleShape: [unet.inChannels, height, width], classCount: unet.numClassEmbeds ?? 0)
        c.channels = unet.blockOutChannels
        (c.unet2d, c.schedule) = (unet, schedule)
        return c
    }

    /// Attention names of older checkpoints, as diffusers renames them on load.
    static let legacyAttentionNames = [".to_q.": ".query.", ".to_k.": ".key.", ".to_v.": ".value.", ".to_out.0.": ".proj_attn."]

    /// Whether diffusers stores the parameter `name` (of rank `rank`) transposed from DIPP:
    /// every matrix but the class table (PyTorch's `Linear` is `[out, in]`, DIPP's `[in, out]`).
    static func isTransposed(_ name: String, rank: Int) -> Bool { rank == 2 && name != "class_embedding.weight" }

    /// The network's parameters from diffusers' state dict: names as they are (or their legacy
    /// attention names), matrices transposed (``isTransposed(_:rank:)``).
    public static func networkState(_ tensors: [String: Tensor], expected: [(name: String, tensor: Tensor)]) -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (name, parameter) in expected {
            let legacy = legacyAttentionNames.first { name.contains($0.key) }.map { name.replacingOccurrences(of: $0.key, with: $0.value) }
            guard let t = tensors[name] ?? legacy.flatMap({ tensors[$0] }) else { continue }
            state["network." + name] = isTransposed(name, rank: parameter.rank) && t.rank == 2 ? t.transposed(0, 1) : t
        }
        return state
    }

    /// diffusers' state dict of `network` (matrices transposed back).
    public static func diffusersState(of network: UNet2DNetwork) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, t) in network.namedParameters {
            out[name] = isTransposed(name, rank: t.rank) ? t.detached().transposed(0, 1) : t.detached()
        }
        return out
    }

    /// Loads the model in `folder` as an EDM denoiser (``DiscreteVPSchedule`` around the network).
    public static func load(_ folder: URL, build: @escaping DenoiserNetworks.Build) throws -> EDMDenoiser {
        let layout = try layout(of: folder)
        let configuration = try configuration(of: layout)
        try configuration.validate(source: layout.config.path)
        var rng = RandomStream(seed: 0)
        let model = EDMDenoiser(configuration, build: build, rng: &rng)
        let contents = try SafeTensors.read(contentsOf: layout.weights)
        guard let network = model.network as? UNet2DNetwork else {
            throw ConfigurationError(location: "architecture 'unet2d'", what: "the registered unet2d builds no UNet2DNetwork",
                                     hint: "diffusers models load into DIPP's own unet2d; do not register another under that name")
        }
        let expected = network.namedParameters
        let known = Set(expected.map(\.name))
        let given = Set(contents.tensors.keys.map { key in
            legacyAttentionNames.first { key.contains($0.value) }.map { key.replacingOccurrences(of: $0.value, with: $0.key) } ?? key
        })
        if let extra = given.subtracting(known).sorted().first {
            throw ConfigurationError(location: layout.weights.path, what: "tensor '\(extra)' is not part of the model config.json describes",
                                     hint: "the weights and config.json come from different models")
        }
        try model.load(networkState(contents.tensors, expected: expected), source: layout.weights.path)
        return model
    }
}
