import DIPPNN
import DIPPTensor

/// The denoiser architectures known by name (`DenoiserConfiguration.architecture`): a
/// registry, so a new network is one file plus one ``register(_:summary:build:)`` call.
/// Its options are the ``DenoiserConfiguration`` itself (widths, embedding sizes, …).
public enum DenoiserNetworks {
    public typealias Build = @Sendable (DenoiserConfiguration, inout RandomStream) -> any DenoiserNetwork

    /// The registry (names and summaries for listing; building goes through ``make(_:rng:)``).
    public static let registry: ComponentRegistry<Build, Void> = {
        let r = ComponentRegistry<Build, Void>(kind: "denoiser architecture")
        r.register("mlp", summary: "MLP on [x, φ(c_noise), e(c)] for vectors (2-D toy, 8x8 digits)") { _ in
            { MLPDenoiserNetwork($0, rng: &$1) }
        }
        r.register("unet", summary: "small U-Net for [C, H, W] images with H, W divisible by 4 (Fashion-MNIST)") { _ in
            { UNetDenoiserNetwork($0, rng: &$1) }
        }
        return r
    }()

    /// Adds an architecture.
    public static func register(_ name: String, summary: String, build: @escaping Build) {
        registry.register(name, summary: summary) { _ in build }
    }

    /// Refuses an unknown architecture name (call before building).
    public static func validate(_ name: String, path: String = "architecture") throws {
        _ = try registry.make(ComponentSpec(name), context: (), path: path)
    }

    /// The network for `configuration` (its architecture must be registered: see ``validate(_:path:)``).
    public static func make(_ configuration: DenoiserConfiguration, rng: inout RandomStream) -> any DenoiserNetwork {
        guard let build = try? registry.make(ComponentSpec(configuration.architecture), context: (), path: "architecture") else {
            preconditionFailure("unknown denoiser architecture '\(configuration.architecture)' (validate names before building)")
        }
        return build(configuration, &rng)
    }
}
