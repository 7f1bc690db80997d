import DIPPDiffusion
import DIPPNN
import DIPPTensor

/// `g(z, c) = a_c + b_c·z`, `z ~ N(0, I_d)`: the generator of the closed-form tests. Its
/// distribution is `N(a_c, b_c² I)`, so its exact TA is
/// `D_θ(x; σ, c) = a_c + b_c²/(b_c² + σ²)·(x − a_c)` (``exactAssistant()``).
/// With one class, `∅` maps to that class.
public struct AffineGenerator: Generator {
    /// `[K, d]` shifts `a_c`.
    public let shift: Tensor
    /// `[K]` scales `b_c`.
    public let scale: Tensor

    public init(shift: [[Float]], scale: [Float]) {
        self.shift = Tensor(shape: [shift.count, shift[0].count], storage: shift.flatMap { $0 }, requiresGrad: true)
        self.scale = Tensor(shape: [scale.count], storage: scale, requiresGrad: true)
    }

    public var latentShape: [Int] { [shift.shape[1]] }
    public var sampleShape: [Int] { [shift.shape[1]] }
    public var namedParameters: [(name: String, tensor: Tensor)] { [("shift", shift), ("scale", scale)] }

    func rows(_ conditions: Conditions) -> [Int] {
        conditions.labels.map { $0 == Conditions.nullLabel ? 0 : $0 }
    }

    public func callAsFunction(_ z: Tensor, conditions: Conditions) -> Tensor {
        let r = rows(conditions)
        return shift.indexSelect(axis: 0, indices: r) + z * scale.indexSelect(axis: 0, indices: r).reshaped([z.shape[0], 1])
    }

    /// The exact denoiser of the generator's current distribution (one Gaussian per class).
    public func exactAssistant() -> GaussianMixtureDenoiser {
        let (k, d) = (shift.shape[0], shift.shape[1])
        return GaussianMixtureDenoiser(means: (0..<k).map { Array(shift.storage[($0 * d)..<(($0 + 1) * d)]) },
                                       standardDeviations: scale.storage.map { Swift.max(Swift.abs($0), 1e-6) })
    }
}
