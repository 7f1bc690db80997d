import DIPPNN
import DIPPTensor

/// The raw network `F(x_in, c_noise, c)` inside an EDM-preconditioned denoiser.
///
/// Contract: `input` is `[N] + sampleShape` (already scaled by `c_in`), `noiseLevel` is `[N]`
/// (`c_noise = ¼ ln σ`), and the result has `input`'s shape. Parameters are named (``Layer``).
public protocol DenoiserNetwork: Layer {
    func callAsFunction(_ input: Tensor, noiseLevel: Tensor, conditions: Conditions) -> Tensor
}
