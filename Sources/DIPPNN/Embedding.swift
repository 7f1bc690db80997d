import DIPPTensor

/// A lookup table of learned vectors, one per id (class labels, the null condition `∅`).
/// Initialisation: `N(0, 1)`.
public struct Embedding: Layer {
    /// `[count, dimension]`.
    public let table: Tensor

    public init(count: Int, dimension: Int, rng: inout RandomStream) {
        table = Tensor.randomNormal([count, dimension], using: &rng, requiresGrad: true)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("table", table)] }

    /// Rows `ids` → `[ids.count, dimension]`.
    public func callAsFunction(_ ids: [Int]) -> Tensor { Tensor.embedding(table, ids: ids) }
}
