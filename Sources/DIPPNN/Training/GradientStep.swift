import DIPPTensor

/// One optimizer update, the same for every trainer (teacher, DI++ generator, TA):
/// `‖g‖ = global norm` → refuse a non-finite norm (nothing is updated) → clip to `maxNorm`
/// (0 = no clipping) → Adam update. Returns `‖g‖` before clipping.
public func applyGradientStep(_ gradients: [Tensor], to parameters: [Tensor], optimizer: inout Adam, clip maxNorm: Float,
                              what: String, at location: String) throws -> Float {
    let (step, norm) = try checkedStep(gradients, clip: maxNorm, what: what, at: location)
    optimizer.update(parameters, along: step)
    return norm
}

/// The same update followed by a moving average of the parameters, fused into one pass
/// (``ExponentialMovingAverage/update(_:adam:along:batchSize:imagesSeen:)``); the average is
/// left as it was when the step is refused.
public func applyGradientStep(_ gradients: [Tensor], to parameters: [Tensor], optimizer: inout Adam,
                              averaging average: inout ExponentialMovingAverage, batchSize: Int, imagesSeen: Double,
                              clip maxNorm: Float, what: String, at location: String) throws -> Float {
    let (step, norm) = try checkedStep(gradients, clip: maxNorm, what: what, at: location)
    average.update(parameters, adam: &optimizer, along: step, batchSize: batchSize, imagesSeen: imagesSeen)
    return norm
}

/// The gradients to step along (clipped to `maxNorm` when > 0) and their norm before clipping;
/// throws on a non-finite norm.
private func checkedStep(_ gradients: [Tensor], clip maxNorm: Float, what: String, at location: String) throws -> ([Tensor], Float) {
    let norm = GradientClipping.globalNorm(gradients)
    try NonFiniteValueError.check(norm, what: what, at: location)
    return (maxNorm > 0 ? GradientClipping.clip(gradients, maxNorm: maxNorm).gradients : gradients, norm)
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
