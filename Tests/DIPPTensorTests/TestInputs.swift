import DIPPTensor

/// Seeded test inputs.
enum TestInputs {
    /// Normal values, shifted away from 0 by at least `margin` (for ops with a kink at 0).
    static func normal(_ shape: [Int], seed: UInt64, margin: Float = 0) -> Tensor {
        var rng = RandomStream(seed: seed)
        let values = rng.normal(Shape.count(shape)).map { $0 >= 0 ? $0 + margin : $0 - margin }
        return Tensor(shape: shape, storage: values)
    }

    /// Uniform values in `range`.
    static func uniform(_ shape: [Int], _ range: ClosedRange<Float>, seed: UInt64) -> Tensor {
        var rng = RandomStream(seed: seed)
        return Tensor(shape: shape, storage: rng.uniform(Shape.count(shape), in: range))
    }
}
