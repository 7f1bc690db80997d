import DIPPTensor

/// Layer normalisation over the last axis with a learned scale `γ` (ones) and shift `β` (zeros):
/// `y = γ ⊙ (x − μ)/√(v + ε) + β`.
public struct LayerNorm: Layer {
    public let scale: Tensor
    public let shift: Tensor
    public let epsilon: Float

    public init(size: Int, epsilon: Float = 1e-5) {
        scale = Tensor.ones([size], requiresGrad: true)
        shift = Tensor.zeros([size], requiresGrad: true)
        self.epsilon = epsilon
    }

    /// A layer with loaded `γ` and `β`.
    public init(scale: Tensor, shift: Tensor, epsilon: Float) {
        precondition(scale.rank == 1 && shift.shape == scale.shape, "LayerNorm: scale \(scale.shape) and shift \(shift.shape) do not fit")
        (self.scale, self.shift, self.epsilon) = (scale, shift, epsilon)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("scale", scale), ("shift", shift)] }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNormalized(epsilon: epsilon) * scale + shift }
}

/// Group normalisation of `[N, C, H, W]` (or channels-last `[N, H, W, C]`) with a per-channel scale and shift (Wu & He, 2018).
public struct GroupNorm: Layer {
    public let groups: Int
    public let scale: Tensor
    public let shift: Tensor
    public let epsilon: Float

    public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
        precondition(channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        self.groups = groups
        scale = Tensor.ones([channels], requiresGrad: true)
        shift = Tensor.zeros([channels], requiresGrad: true)
        self.epsilon = epsilon
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("scale", scale), ("shift", shift)] }

    /// `γ_c·x̂ + β_c`, in one pass (``Tensor/groupNormalized(groups:scale:shift:epsilon:applyingSiLU:channelsLast:offset:)``).
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, applyingSiLU: false) }

    /// The layer followed by SiLU when `applyingSiLU`, fused into the same pass; on channels-last
    /// `[N, H, W, C]` with `channelsLast`, where it can normalise `x + offset` (`offset [N, C]`).
    public func callAsFunction(_ x: Tensor, applyingSiLU: Bool, channelsLast: Bool = false, offset: Tensor? = nil) -> Tensor {
        x.groupNormalized(groups: groups, scale: scale, shift: shift, epsilon: epsilon, applyingSiLU: applyingSiLU,
                          channelsLast: channelsLast, offset: offset)
    }
}
