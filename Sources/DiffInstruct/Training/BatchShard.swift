import DIPPDiffusion
import DIPPTensor

/// A rank's rows of a global batch (``Communicator/shard(of:)``): the draws are made for the
/// whole batch from the shared stream, then cut, so every rank consumes the stream identically.
extension Tensor {
    /// Rows `rows` of the leading axis (the tensor itself when that is every row).
    func shard(_ rows: Range<Int>) -> Tensor {
        rows.count == shape[0] ? self : slice(axis: 0, start: rows.lowerBound, count: rows.count)
    }
}

extension Conditions {
    /// The conditions of rows `rows` (these conditions themselves when that is every row).
    func shard(_ rows: Range<Int>) -> Conditions {
        rows.count == count ? self : subset(Array(rows))
    }
}
