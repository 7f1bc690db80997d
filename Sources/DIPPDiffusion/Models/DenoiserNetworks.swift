import DIPPNN
import DIPPTensor

/// Denoiser architectures (`DenoiserConfiguration.architecture`) are registered by name in a
/// catalogue (`DIPPComponents.Components.architectures`); each is a ``Build`` function. Its options
/// are the ``DenoiserConfiguration`` itself (widths, embedding sizes, …).
public enum DenoiserNetworks {
    public typealias Build = @Sendable (DenoiserConfiguration, inout RandomStream) -> any DenoiserNetwork
}
