import DIPPTensor

/// How a score model is queried at one call site (teacher; TA when evaluated; TA when trained —
/// SiD-LSG uses a different scale at each).
///
/// Contract: returns a denoised estimate shaped like `x`; differentiable in `x`.
public protocol Guidance {
    func denoise(_ model: any ScoreModel, _ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor
}

/// Classifier-free guidance (Ho & Salimans, 2022) in denoiser form:
/// `D̃(x; σ, c) = D(x; σ, ∅) + α·(D(x; σ, c) − D(x; σ, ∅))`.
/// `α = 1` is no guidance (one evaluation); `α > 1` sharpens toward the condition.
/// Both branches run as one batch of `2N`.
public struct ClassifierFreeGuidance: Guidance, Codable, Sendable, Equatable {
    /// `α_cfg`.
    public var scale: Float

    public init(scale: Float = 1) { self.scale = scale }

    public func denoise(_ model: any ScoreModel, _ x: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
        if scale == 1 { return model.denoise(x, sigma: sigma, conditions: conditions) }
        let (conditional, null) = Self.branches(model, x, sigma: sigma, conditions: conditions)
        return null + (conditional - null) * scale
    }

    /// `D(x; σ, c)` and `D(x; σ, ∅)`, evaluated as one batch of `2N`.
    public static func branches(_ model: any ScoreModel, _ x: Tensor, sigma: Tensor, conditions: Conditions)
        -> (conditional: Tensor, null: Tensor) {
        let n = x.shape[0]
        let both = model.denoise(Tensor.concat([x, x], axis: 0), sigma: Tensor.concat([sigma, sigma], axis: 0),
                                 conditions: conditions.appending(conditions.nulled))
        let parts = both.split(axis: 0, sizes: [n, n])
        return (parts[0], parts[1])
    }
}
