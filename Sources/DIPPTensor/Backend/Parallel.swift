import Dispatch

/// Splits large element-wise loops across ``Compute/threads`` threads.
///
/// Chunks are contiguous and each element is written by exactly one chunk, so results are
/// identical for any thread count (no reductions are split this way).
enum Parallel {
    /// Below this many elements a loop runs on the calling thread (thread start-up costs more).
    static let minimumElementsPerThread = 1 << 15

    /// Calls `body` on disjoint ranges covering `0..<count`, concurrently when worthwhile.
    /// With `elementsPerItem`, each of the `count` items (e.g. rows) stands for that many
    /// elements when deciding how many threads are worthwhile.
    @inline(__always)
    static func forEachChunk(_ count: Int, elementsPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let threads = min(Compute.threads, count * elementsPerItem / minimumElementsPerThread, count)
        guard threads > 1 else {
            body(0..<count)
            return
        }
        let size = (count + threads - 1) / threads
        withoutActuallyEscaping(body) { escaping in
            let chunk = UncheckedSendable(value: escaping)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let start = t * size
                if start < count { chunk.value(start..<min(start + size, count)) }
            }
        }
    }
}

/// Hands a closure that writes disjoint ranges of shared buffers to `concurrentPerform`; the
/// callers guarantee the ranges never overlap.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
