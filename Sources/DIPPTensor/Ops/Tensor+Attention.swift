import Foundation

/// Scaled dot-product attention with a key padding mask (Vaswani et al., 2017), built from
/// differentiable ops, so its gradient with respect to `Q`, `K` and `V` comes from theirs.
extension Tensor {
    /// The additive score for a padded key: large enough that `e^{s}` is 0 in Float32.
    public static let maskedScore: Float = -1e9

    /// `softmax(Q·Kᵀ/√d + M)·V` for every batch element and head.
    ///
    /// - Parameters:
    ///   - query, key, value: `[B, H, T, d]` (`T` query positions = `T` key positions).
    ///   - keyMask: `[B·T]` values, 1 for a real key, 0 for padding (`M = 0` or ``maskedScore``);
    ///     `nil` attends to every key.
    ///   - causal: when `true`, query `i` also masks every key `j > i` (a decoder's, or CLIP's
    ///     text tower's, causal mask).
    /// - Returns: `[B, H, T, d]`.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, keyMask: [Float]? = nil, causal: Bool = false) -> Tensor {
        precondition(query.rank == 4 && key.shape == query.shape && value.shape == query.shape,
                     "attention: query, key and value must share one [B, H, T, d] shape, got \(query.shape), \(key.shape), \(value.shape)")
        let (b, h, t, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let q = query.reshaped([b * h, t, d])
        var scores = (q.matmulTransposed(key.reshaped([b * h, t, d])) * (1 / Float(d).squareRoot())).reshaped([b, h, t, t])
        if let keyMask {
            precondition(keyMask.count == b * t, "attention: the key mask has \(keyMask.count) values, not B·T = \(b * t)")
            scores = scores + Tensor(shape: [b, 1, 1, t], storage: keyMask.map { $0 > 0 ? 0 : maskedScore })
        }
        if causal {
            var mask = [Float](repeating: 0, count: t * t)
            for i in 0..<t { for j in 0..<t where j > i { mask[i * t + j] = maskedScore } }
            scores = scores + Tensor(shape: [1, 1, t, t], storage: mask)
        }
        let weights = scores.softmax().reshaped([b * h, t, t])
        return weights.matmul(value.reshaped([b * h, t, d])).reshaped([b, h, t, d])
    }
}
