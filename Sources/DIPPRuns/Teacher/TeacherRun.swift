import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DIPPText
import Foundation

/// A finished `dipp pretrain` run folder re-opened: the EMA teacher, its configuration and its
/// data split exactly as training saw them — or a diffusers model imported as a teacher
/// (``init(reference:data:components:)``).
public struct TeacherRun {
    public let folder: URL
    /// Where the in-project classifiers for this teacher's data are cached.
    public let classifierFolder: URL
    public let configuration: TeacherTrainingConfiguration
    public let teacher: EDMDenoiser
    public let train: LabeledDataset
    public let heldOut: LabeledDataset
    /// Labels → conditions: the training captions of each class for a text-conditioned teacher.
    public let conditioner: Conditioner

    /// - Parameter components: where the data set, the architecture and the text encoder are
    ///   looked up by name.
    init(folder: URL, classifierFolder: URL, configuration: TeacherTrainingConfiguration, teacher: EDMDenoiser, train: LabeledDataset,
         heldOut: LabeledDataset, conditioner: Conditioner) {
        (self.folder, self.classifierFolder, self.configuration, self.teacher) = (folder, classifierFolder, configuration, teacher)
        (self.train, self.heldOut, self.conditioner) = (train, heldOut, conditioner)
    }

    public init(folder: URL, components: Components = .standard()) throws {
        self.folder = folder
        classifierFolder = folder.deletingLastPathComponent().appendingPathComponent("classifiers")
        teacher = try EDMDenoiser.load(runFolder: folder, components: components)
        configuration = try ConfigurationFile.read(folder.appendingPathComponent("config.json").path, over: TeacherTrainingConfiguration())
        (train, heldOut) = try configuration.loadData(components)
        conditioner = try configuration.conditioner(train: train, components: components, tokens: teacher.configuration.textTokens)
        guard teacher.configuration.textDimension == (conditioner.embeddings?.dimension ?? 0) else {
            throw ConfigurationError(location: folder.appendingPathComponent("model.json").path,
                                     what: "the teacher reads text embeddings of size \(teacher.configuration.textDimension), "
                                     + "its data and text encoder give \(conditioner.embeddings?.dimension ?? 0)",
                                     hint: "the run folder's config.json and model.json come from different runs")
        }
    }

}

extension TeacherTrainingConfiguration {
    /// The data set and its seeded train / held-out split.
    public func loadData(_ components: Components = .standard()) throws -> (train: LabeledDataset, heldOut: LabeledDataset) {
        guard resolution == 0 && imageChannels == 0 || data.hasPrefix("images:") else {
            throw ConfigurationError(location: "configuration, key 'resolution'", what: "resolution and imageChannels are for image folders, not \(data)",
                                     hint: "drop --resolution / --image-channels, or use --data images:DIR")
        }
        let all = try components.loadData(data, file: dataFile.isEmpty ? nil : dataFile, seed: seed,
                                          resolution: resolution > 0 ? resolution : nil, imageChannels: imageChannels > 0 ? imageChannels : nil)
        let (train, heldOut) = all.trainAndHeldOut(fraction: trainFraction, seed: seed)
        guard train.count >= 1, heldOut.count >= 2 else {   // training and the report's statistics need both
            throw ConfigurationError(location: "configuration, key 'trainFraction'",
                                     what: "\(all.count) samples of \(data) split into \(train.count) for training and \(heldOut.count) held out",
                                     hint: "at least 1 to train on and 2 held out: a trainFraction nearer 0.5, or more data")
        }
        return (train, heldOut)
    }

    /// Captioned data: its training captions per class through ``textEncoder`` (with the token
    /// embeddings when ``resolvedTextConditioning`` is `tokens`, or as `tokens` says — a trained
    /// model's own setting); else labels.
    public func conditioner(train: LabeledDataset, components: Components = .standard(), tokens: Bool? = nil) throws -> Conditioner {
        guard let prompts = train.captionsByClass else { return .labels }
        let embeddings = PromptEmbeddingCache(encoder: try components.textEncoder(textEncoder))
        let tokens = tokens ?? (resolvedTextConditioning == "tokens")
        guard !tokens || embeddings.tokenEmbeddings(["a"]) != nil else {
            throw ConfigurationError(location: "configuration, key 'textConditioning'", what: "the text encoder \(textEncoder) gives no token embeddings",
                                     hint: "textConditioning \"pooled\" (--text-conditioning pooled), or a token-level encoder such as all-MiniLM-L6-v2")
        }
        return Conditioner(promptsByClass: prompts, embeddings: embeddings, turntableViews: train.cameras == nil ? 0 : 8, tokens: tokens)
    }
}

extension EDMDenoiser {
    /// Loads a trained denoiser from a run folder: `model.json` and `teacher.safetensors`.
    public static func load(runFolder folder: URL, components: Components = .standard()) throws -> EDMDenoiser {
        let modelFile = folder.appendingPathComponent("model.json")
        guard let json = FileManager.default.contents(atPath: modelFile.path) else {
            throw ConfigurationError(location: modelFile.path, what: "no model.json in the run folder",
                                     hint: "pass the --out folder of a finished `dipp pretrain` run")
        }
        let configuration = try ConfigurationFile.decode(json, over: DenoiserConfiguration(), source: modelFile.path)
        try components.validate(configuration, source: modelFile.path)
        var rng = RandomStream(seed: 0)
        let model = try components.denoiser(configuration, rng: &rng)
        let weights = folder.appendingPathComponent("teacher.safetensors")
        try model.load(SafeTensors.read(contentsOf: weights).tensors, source: weights.path)
        return model
    }
}
