import DIPPTensor

/// Global-norm gradient clipping.
public enum GradientClipping {
    /// The global L2 norm `‖g‖ = √(Σ_i Σ_j g_ij²)` over all gradients.
    public static func globalNorm(_ gradients: [Tensor]) -> Float {
        var total = 0.0
        for g in gradients { for v in g.storage { total += Double(v) * Double(v) } }
        return Float(total.squareRoot())
    }

    /// Scales all gradients by `min(1, maxNorm/‖g‖)` so their global norm is at most `maxNorm`.
    /// - Returns: the clipped gradients and the norm *before* clipping (for logging).
    public static func clip(_ gradients: [Tensor], maxNorm: Float) -> (gradients: [Tensor], norm: Float) {
        precondition(maxNorm > 0, "clip: maxNorm must be positive")
        let norm = globalNorm(gradients)
        guard norm > maxNorm else { return (gradients, norm) }
        let scale = maxNorm / norm
        return (gradients.map { Tensor(shape: $0.shape, storage: $0.storage.map { $0 * scale }) }, norm)
    }
}
