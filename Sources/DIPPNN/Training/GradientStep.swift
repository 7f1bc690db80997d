import DIPPTensor

/// One optimizer update, the same for every trainer (teacher, DI++ generator, TA):
/// `‖g‖ = global norm` → refuse a non-finite norm (nothing is updated) → clip to `maxNorm`
/// (0 = no clipping) → Adam update. Returns `‖g‖` before clipping.
public func applyGradientStep(_ gradients: [Tensor], to parameters: [Tensor], optimizer: inout Adam, clip maxNorm: Float,
                              what: String, at location: String) throws -> Float {
    let norm = GradientClipping.globalNorm(gradients)
    try NonFiniteValueError.check(norm, what: what, at: location)
    let step = maxNorm > 0 ? GradientClipping.clip(gradients, maxNorm: maxNorm).gradients : gradients
    optimizer.update(parameters, along: step)
    return norm
}

/// A non-finite loss or gradient during training: where (`"DI++ step 12"`), what.
public struct NonFiniteValueError: DiagnosticError {
    public let location: String
    public let what: String
    public var hint: String {
        "lower the learning rates, set gradientClip, or check the reward for NaN/Inf outputs; the last checkpoint is intact"
    }

    public init(location: String, what: String) {
        self.location = location
        self.what = what
    }

    /// Throws when `value` is NaN or infinite.
    public static func check(_ value: Float, what: String, at location: String) throws {
        guard value.isFinite else { throw NonFiniteValueError(location: location, what: "\(what) is \(value)") }
    }
}

extension ExponentialMovingAverage {
    /// Writes the averages into `parameters` (a model of the same architecture).
    public func copyAverages(into parameters: [Tensor]) {
        for (p, average) in zip(parameters, averages) { p.withMutableStorage { $0 = average } }
    }
}
