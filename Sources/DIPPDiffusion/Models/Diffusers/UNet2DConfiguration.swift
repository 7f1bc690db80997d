import DIPPNN
import DIPPTensor
import Foundation

/// A diffusers `UNet2DModel` configuration (`config.json`), under diffusers' own key names, so a
/// DIPP model folder and an exported diffusers folder carry the same object.
///
/// DIPP builds the blocks DDPM- and ADM-style checkpoints use: `DownBlock2D`, `AttnDownBlock2D`,
/// `UpBlock2D`, `AttnUpBlock2D`, `UNetMidBlock2D` (or none), `ResnetBlock2D` with the
/// `default` or `scale_shift` time embedding, positional or Fourier time embeddings and a
/// class-embedding table (`num_class_embeds`). ``parse(_:source:)`` refuses any other value,
/// naming the field.
public struct UNet2DConfiguration: Codable, Sendable, Equatable {
    public var sampleSize: Int?
    public var inChannels: Int = 3
    public var outChannels: Int = 3
    public var centerInputSample: Bool = false
    /// `positional` (sinusoids of the timestep) or `fourier` (random Fourier features of `ln t`;
    /// the output is divided by `t`).
    public var timeEmbeddingType: String = "positional"
    public var timeEmbeddingDim: Int?
    public var freqShift: Int = 0
    public var flipSinToCos: Bool = true
    public var downBlockTypes: [String] = ["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"]
    public var midBlockType: String? = "UNetMidBlock2D"
    public var upBlockTypes: [String] = ["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"]
    public var blockOutChannels: [Int] = [224, 448, 672, 896]
    public var layersPerBlock: Int = 2
    public var midBlockScaleFactor: Double = 1
    public var downsamplePadding: Int = 1
    public var actFn: String = "silu"
    public var attentionHeadDim: Int? = 8
    public var normNumGroups: Int = 32
    public var attnNormNumGroups: Int?
    public var normEps: Double = 1e-5
    public var resnetTimeScaleShift: String = "default"
    public var addAttention: Bool = true
    public var numClassEmbeds: Int?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sampleSize = "sample_size", inChannels = "in_channels", outChannels = "out_channels"
        case centerInputSample = "center_input_sample", timeEmbeddingType = "time_embedding_type"
        case timeEmbeddingDim = "time_embedding_dim", freqShift = "freq_shift", flipSinToCos = "flip_sin_to_cos"
        case downBlockTypes = "down_block_types", midBlockType = "mid_block_type", upBlockTypes = "up_block_types"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block"
        case midBlockScaleFactor = "mid_block_scale_factor", downsamplePadding = "downsample_padding", actFn = "act_fn"
        case attentionHeadDim = "attention_head_dim", normNumGroups = "norm_num_groups", attnNormNumGroups = "attn_norm_num_groups"
        case normEps = "norm_eps", resnetTimeScaleShift = "resnet_time_scale_shift", addAttention = "add_attention"
        case numClassEmbeds = "num_class_embeds"
    }

    /// Every key, `null` included (DIPP's strict configuration reader merges a file over the
    /// defaults' encoding, so no key may be left out of it).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sampleSize, forKey: .sampleSize); try c.encode(inChannels, forKey: .inChannels)
        try c.encode(outChannels, forKey: .outChannels); try c.encode(centerInputSample, forKey: .centerInputSample)
        try c.encode(timeEmbeddingType, forKey: .timeEmbeddingType); try c.encode(timeEmbeddingDim, forKey: .timeEmbeddingDim)
        try c.encode(freqShift, forKey: .freqShift); try c.encode(flipSinToCos, forKey: .flipSinToCos)
        try c.encode(downBlockTypes, forKey: .downBlockTypes); try c.encode(midBlockType, forKey: .midBlockType)
        try c.encode(upBlockTypes, forKey: .upBlockTypes); try c.encode(blockOutChannels, forKey: .blockOutChannels)
        try c.encode(layersPerBlock, forKey: .layersPerBlock); try c.encode(midBlockScaleFactor, forKey: .midBlockScaleFactor)
        try c.encode(downsamplePadding, forKey: .downsamplePadding); try c.encode(actFn, forKey: .actFn)
        try c.encode(attentionHeadDim, forKey: .attentionHeadDim); try c.encode(normNumGroups, forKey: .normNumGroups)
        try c.encode(attnNormNumGroups, forKey: .attnNormNumGroups); try c.encode(normEps, forKey: .normEps)
        try c.encode(resnetTimeScaleShift, forKey: .resnetTimeScaleShift); try c.encode(addAttention, forKey: .addAttention)
        try c.encode(numClassEmbeds, forKey: .numClassEmbeds)
    }

    /// The width of the time embedding `temb` (`time_embedding_dim`, default 4 × the first width).
    public var timeEmbeddingWidth: Int { (timeEmbeddingDim ?? 0) > 0 ? timeEmbeddingDim! : 4 * blockOutChannels[0] }   // 0 is the default too, as diffusers' `or` reads it
    /// The width the time projection hands to the time embedding's first layer.
    public var timeProjectionWidth: Int { timeEmbeddingType == "fourier" ? 2 * blockOutChannels[0] : blockOutChannels[0] }

    /// Keys of a diffusers `config.json` that change nothing DIPP computes: bookkeeping, the
    /// training-only dropout, and values that must hold their defaults (checked below).
    static let ignoredKeys: Set<String> = ["_class_name", "_diffusers_version", "_name_or_path", "_use_default_values", "dropout",
                                           "num_train_timesteps"]
    /// Keys DIPP reads only to check they hold the one value it implements.
    static let fixedValues: [String: String] = ["downsample_type": "conv", "upsample_type": "conv"]

    /// Parses a diffusers `config.json` object, refusing what DIPP cannot honour — an unknown
    /// key, a block type, activation or embedding it does not implement — with the field named.
    public static func parse(_ object: [String: Any], source: String) throws -> UNet2DConfiguration {
        func refuse(_ key: String, _ what: String, _ hint: String) -> ConfigurationError {
            ConfigurationError(location: "\(source), field '\(key)'", what: what, hint: hint)
        }
        var known = Set(CodingKeys.allCases.map(\.rawValue)).union(ignoredKeys).union(fixedValues.keys)
        known.insert("class_embed_type")
        for key in object.keys.sorted() where !known.contains(key) {
            throw refuse(key, "a UNet2DModel field DIPP does not implement", "DIPP loads the UNet2DModel fields listed in Documentation/BringYourOwn.md")
        }
        for (key, value) in fixedValues.sorted(by: { $0.key < $1.key }) {
            if let given = object[key], !(given is NSNull), given as? String != value {
                throw refuse(key, "'\(given)' is not implemented", "DIPP implements \(key) '\(value)' only")
            }
        }
        if let given = object["class_embed_type"], !(given is NSNull) {
            throw refuse("class_embed_type", "class embedding type '\(given)' is not implemented",
                         "DIPP implements the class table of num_class_embeds (class_embed_type null)")
        }
        let filtered = object.filter { CodingKeys(rawValue: $0.key) != nil }
        let data = try JSONSerialization.data(withJSONObject: filtered)
        let configuration: UNet2DConfiguration
        do {
            configuration = try ConfigurationFile.decode(data, over: UNet2DConfiguration(), source: source)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(location: source, what: "not a UNet2DModel configuration (\(error))", hint: "pass a diffusers config.json")
        }
        try configuration.validate(source: source)
        return configuration
    }

    /// Checks the values DIPP's blocks can be built from, naming the field.
    public func validate(source: String) throws {
        func refuse(_ key: CodingKeys, _ what: String, _ hint: String) -> ConfigurationError {
            ConfigurationError(location: "\(source), field '\(key.rawValue)'", what: what, hint: hint)
        }
        let downs = ["DownBlock2D", "AttnDownBlock2D"], ups = ["UpBlock2D", "AttnUpBlock2D"]
        if let bad = downBlockTypes.first(where: { !downs.contains($0) }) {
            throw refuse(.downBlockTypes, "block type '\(bad)' is not implemented", "DIPP implements \(downs.joined(separator: ", "))")
        }
        if let bad = upBlockTypes.first(where: { !ups.contains($0) }) {
            throw refuse(.upBlockTypes, "block type '\(bad)' is not implemented", "DIPP implements \(ups.joined(separator: ", "))")
        }
        guard !blockOutChannels.isEmpty, blockOutChannels.count == downBlockTypes.count, blockOutChannels.count == upBlockTypes.count else {
            throw refuse(.blockOutChannels, "\(blockOutChannels.count) widths for \(downBlockTypes.count) down and \(upBlockTypes.count) up blocks",
                         "one width per block on each side")
        }
        guard midBlockType == nil || midBlockType == "UNetMidBlock2D" else {
            throw refuse(.midBlockType, "mid block '\(midBlockType!)' is not implemented", "UNetMidBlock2D or null")
        }
        guard ["silu", "swish"].contains(actFn) else { throw refuse(.actFn, "activation '\(actFn)' is not implemented", "silu (swish)") }
        guard ["positional", "fourier"].contains(timeEmbeddingType) else {
            throw refuse(.timeEmbeddingType, "time embedding '\(timeEmbeddingType)' is not implemented", "positional or fourier")
        }
        guard ["default", "scale_shift"].contains(resnetTimeScaleShift) else {
            throw refuse(.resnetTimeScaleShift, "'\(resnetTimeScaleShift)' is not implemented", "default or scale_shift")
        }
        guard layersPerBlock >= 1, inChannels >= 1, outChannels >= 1, blockOutChannels.allSatisfy({ $0 >= 1 }) else {
            throw refuse(.layersPerBlock, "sizes must be positive", "layers_per_block, in/out channels and widths ≥ 1")
        }
        for (key, g) in [(CodingKeys.normNumGroups, normNumGroups)] + (attnNormNumGroups.map { [(.attnNormNumGroups, $0)] } ?? [])
        where g < 1 || blockOutChannels.contains(where: { $0 % g != 0 }) {
            throw refuse(key, "\(g) groups do not divide the widths \(blockOutChannels)", "a group count that divides every width")
        }
        // The widths attention runs at: the Attn blocks' own, and the last for the mid block.
        let attended = zip(downBlockTypes, blockOutChannels).filter { $0.0.hasPrefix("Attn") }.map(\.1)
            + zip(upBlockTypes, blockOutChannels.reversed()).filter { $0.0.hasPrefix("Attn") }.map(\.1)
            + (midBlockType != nil && addAttention ? [blockOutChannels[blockOutChannels.count - 1]] : [])
        if let head = attentionHeadDim, head < 1 || attended.contains(where: { $0 % head != 0 }) {
            throw refuse(.attentionHeadDim, "heads of \(head) channels do not divide the attention widths \(attended)", "a head size that divides them, or null")
        }
        if let width = timeEmbeddingDim, width < 0 {
            throw refuse(.timeEmbeddingDim, "a time embedding of \(width)", "a positive width, or null (4 × the first block's width)")
        }
        if let classes = numClassEmbeds, classes < 1 { throw refuse(.numClassEmbeds, "\(classes) classes", "≥ 1, or null") }
        guard downsamplePadding == 0 || downsamplePadding == 1 else {
            throw refuse(.downsamplePadding, "padding \(downsamplePadding)", "0 (DDPM's bottom-right pad) or 1")
        }
        guard normEps > 0, midBlockScaleFactor > 0 else { throw refuse(.normEps, "norm_eps and mid_block_scale_factor must be positive", "e.g. 1e-5 and 1") }
    }
}
