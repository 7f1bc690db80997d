/// Sums and means over axes. The VJP broadcasts the incoming gradient back over the reduced
/// axes (divided by the count for the mean).
extension Tensor {
    /// Sum of all elements (a scalar).
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Mean of all elements (a scalar).
    public func mean() -> Tensor { mean(axes: Array(0..<rank)) }

    /// Sum over `axes` (negative axes count from the end).
    /// - Parameter keepDims: keep the reduced axes with extent 1 (default `false`).
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let resolved = Set(axes.map { Shape.axis($0, rank: rank) })
        let kept = shape.enumerated().map { resolved.contains($0.offset) ? 1 : $0.element }
        let outShape = keepDims ? kept : shape.enumerated().filter { !resolved.contains($0.offset) }.map(\.element)
        let inShape = shape
        let values = BroadcastKernels.reduce(storage, from: inShape, to: kept)
        return Tensor.result(shape: outShape, storage: values, inputs: [self]) { g, _ in
            [BroadcastKernels.expand(g, from: kept, to: inShape)]
        }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes`: the sum divided by the number of reduced elements.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let reduced = Set(axes.map { Shape.axis($0, rank: rank) }).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(reduced, 1)))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }
}
