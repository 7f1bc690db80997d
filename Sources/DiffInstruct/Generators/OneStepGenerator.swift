import DIPPDiffusion
import DIPPNN
import DIPPTensor

/// The default one-step generator: the teacher evaluated at one fixed noise level,
/// `g_θ(z, c) = D_θ(σ_init·z; σ_init, c)`, `z ~ N(0, I)`, with `D_θ` initialised as a copy of
/// the teacher's weights (DI++/SiD use `σ_init = 2.5`; the Diff-Instruct code used 1.0).
public struct OneStepGenerator: Generator {
    public let denoiser: EDMDenoiser
    public let sigmaInit: Float

    /// A generator initialised from `teacher` (its weights are copied, not shared).
    public init(teacher: EDMDenoiser, sigmaInit: Float = 2.5) {
        denoiser = teacher.copy()
        self.sigmaInit = sigmaInit
    }

    public var latentShape: [Int] { denoiser.sampleShape }
    public var sampleShape: [Int] { denoiser.sampleShape }
    public var namedParameters: [(name: String, tensor: Tensor)] { prefixed("denoiser", denoiser) }

    public func callAsFunction(_ z: Tensor, conditions: Conditions) -> Tensor {
        denoiser.denoise(z * sigmaInit, sigma: Noise.constant(sigmaInit, count: z.shape[0]), conditions: conditions)
    }
}
