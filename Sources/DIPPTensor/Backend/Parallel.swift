import CDIPPBackend
import Dispatch
import Foundation

/// Splits large element-wise loops across ``Compute/threads`` threads.
///
/// Chunks are contiguous and each element is written by exactly one chunk, so results are
/// identical for any thread count (no reductions are split this way). The chunks run on
/// libgomp's thread team — the threads oneDNN's GEMMs use — so the process keeps one pool of
/// threads; measured against Dispatch's pool it is as fast, not faster
/// (Documentation/Performance.md).
enum Parallel {
    /// Below this many elements a loop runs on the calling thread (thread start-up costs more).
    static let minimumElementsPerThread = 1 << 15

    /// `DIPP_ELEMENTWISE_THREADS=dispatch` runs the chunks on Dispatch's pool instead (the
    /// earlier scheme, kept so that the comparison in Documentation/Performance.md can be rerun).
    static let usesDispatch = ProcessInfo.processInfo.environment["DIPP_ELEMENTWISE_THREADS"] == "dispatch"

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
        if usesDispatch {
            let size = (count + threads - 1) / threads
            withoutActuallyEscaping(body) { escaping in
                let chunk = UncheckedSendable(value: escaping)
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    let start = t * size
                    if start < count { chunk.value(start..<min(start + size, count)) }
                }
            }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            var chunkBody = escaping
            withUnsafeMutablePointer(to: &chunkBody) { context in
                dipp_parallel_chunks(Int64(count), Int32(threads), { context, begin, end in
                    context!.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee(Int(begin)..<Int(end))
                }, context)
            }
        }
    }
}

/// Hands a closure that writes disjoint ranges of shared buffers to `concurrentPerform`; the
/// callers guarantee the ranges never overlap.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
