import CDIPPMPI
import DIPPTensor
import Dispatch
import Foundation

/// The collectives of a data-parallel job: every process (rank) holds a copy of the models,
/// computes gradients on its shard of each batch, and the gradients are summed across ranks
/// before each optimizer step (PyTorch DDP's and Horovod's scheme). ``SingleProcess`` is the
/// default; ``MPICommunicator`` runs under `mpirun`; another engine (NCCL for GPUs) slots in
/// behind the same four calls. See `Documentation/Scaling.md`.
public protocol Communicator: AnyObject {
    /// This process's index, `0..<size`; rank 0 writes checkpoints, logs and samples.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// In place: each element becomes its sum over the ranks.
    func allReduceSum(_ values: inout [Float])
    /// In place, in double precision (metrics, running statistics).
    func allReduceSum(_ values: inout [Double])
    /// Rank `root`'s values copied into every rank's.
    func broadcast(_ values: inout [Float], root: Int)
    /// Returns once every rank has called it.
    func barrier()
    /// Starts summing `values` in place over the ranks and returns at once; the returned
    /// closure waits for the sum (call it before reading `values` or letting them go).
    /// Engines without nonblocking collectives sum at once (the default).
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> () -> Void
}

extension Communicator {
    /// Whether this process writes the job's files.
    public var isRoot: Bool { rank == 0 }

    /// The average over the ranks of each tensor (gradients of a per-shard mean loss average to
    /// the gradient of the global batch's mean), packed into one buffer for one all-reduce,
    /// with `scalars` (losses, norms to check) averaged in the same call. With one process the
    /// tensors come back unchanged.
    public func averaged(_ tensors: [Tensor], scalars: [Float] = []) -> (tensors: [Tensor], scalars: [Float]) {
        guard size > 1 else { return (tensors, scalars) }
        var flat = [Float]()
        flat.reserveCapacity(tensors.reduce(scalars.count) { $0 + $1.count })
        for t in tensors { flat.append(contentsOf: t.storage) }
        flat.append(contentsOf: scalars)
        allReduceSum(&flat)
        let scale = 1 / Float(size)
        var offset = 0
        let out = tensors.map { t -> Tensor in
            defer { offset += t.count }
            return Tensor(shape: t.shape, storage: flat[offset..<(offset + t.count)].map { $0 * scale })
        }
        return (out, flat[offset...].map { $0 * scale })
    }

    /// `loss`'s gradients with respect to `parameters`, averaged over the ranks like
    /// ``averaged(_:scalars:)``, but all-reduced in buckets of about `bucketBytes` while the
    /// backward pass goes on: a bucket starts its nonblocking all-reduce as soon as the
    /// gradients that fill it are finished (PyTorch DDP's overlap); the scalars travel in the
    /// last bucket. `bucketBytes` = 0 differentiates first and all-reduces once at the end.
    public func averagedGradients(of loss: Tensor, withRespectTo parameters: [Tensor], scalars: [Float] = [],
                                  bucketBytes: Int) -> (tensors: [Tensor], scalars: [Float]) {
        guard size > 1, bucketBytes > 0 else {
            return averaged(Tensor.gradients(of: loss, withRespectTo: parameters), scalars: scalars)
        }
        let bucketValues = Swift.max(1, bucketBytes / 4)
        var buckets: [(members: [Int], values: UnsafeMutableBufferPointer<Float>, wait: () -> Void)] = []
        var (members, pending): ([Int], [Float]) = ([], [])
        func flush() {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: pending.count)
            _ = buffer.initialize(from: pending)
            buckets.append((members, buffer, startAllReduceSum(buffer)))
            (members, pending) = ([], [])
        }
        _ = Tensor.gradients(of: loss, withRespectTo: parameters) { index, gradient in
            members.append(index)
            pending.append(contentsOf: gradient)
            if pending.count >= bucketValues { flush() }
        }
        pending.append(contentsOf: scalars)
        flush()
        var gradients = [Tensor?](repeating: nil, count: parameters.count)
        var averagedScalars: [Float] = []
        let scale = 1 / Float(size)
        for (i, bucket) in buckets.enumerated() {
            bucket.wait()
            var offset = 0
            for member in bucket.members {
                let count = parameters[member].count
                gradients[member] = Tensor(shape: parameters[member].shape, storage: bucket.values[offset..<(offset + count)].map { $0 * scale })
                offset += count
            }
            if i == buckets.count - 1 { averagedScalars = bucket.values[offset...].map { $0 * scale } }
            bucket.values.deallocate()
        }
        return (gradients.map { $0! }, averagedScalars)
    }

    /// Each metric's mean over the ranks (every rank logs the same names in the same order).
    public func averaged(_ metrics: [(String, Float)]) -> [(String, Float)] {
        guard size > 1 else { return metrics }
        var values = metrics.map { Double($0.1) }
        allReduceSum(&values)
        return zip(metrics, values).map { ($0.0.0, Float($0.1 / Double(size))) }
    }

    /// The rows of a global batch of `count` that this rank trains on: contiguous, equal shares
    /// (`count` must be a multiple of `size`).
    public func shard(of count: Int) -> Range<Int> {
        precondition(count % size == 0, "a batch of \(count) does not split evenly over \(size) processes")
        let share = count / size
        return (rank * share)..<((rank + 1) * share)
    }
}

extension Communicator {
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> () -> Void {
        var copy = Array(values)
        allReduceSum(&copy)
        _ = values.update(fromContentsOf: copy)
        return {}
    }
}

/// One process: rank 0 of 1; every collective is the identity.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ values: inout [Float]) {}
    public func allReduceSum(_ values: inout [Double]) {}
    public func broadcast(_ values: inout [Float], root: Int) {}
    public func barrier() {}
}

/// Open MPI, loaded at run time (`dlopen`), so DIPP needs no MPI to build or to run alone.
/// A failed collective is fatal (MPI's default error handler aborts the job, and `mpirun`
/// stops every rank with the failing rank named).
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    /// What this rank's all-reduces cost so far: calls, bytes reduced, wall seconds inside MPI.
    public private(set) var allReduceCalls = 0
    public private(set) var allReduceBytes = 0
    public private(set) var allReduceSeconds = 0.0

    /// Whether this process was started by Open MPI's `mpirun` (its environment variables).
    public static func isLaunchedByMPI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil
    }

    /// Initialises MPI from `library` (Debian's `libopenmpi-dev`/`openmpi-bin` install it).
    public init(library: String = "libmpi.so.40") throws {
        var error = [CChar](repeating: 0, count: 512)
        let status = dipp_mpi_open(library, &error, error.count)
        guard status == 0 else {
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CommunicatorError(what: "MPI could not start: \(message) (status \(status))",
                                    hint: "install Open MPI (apt-get install openmpi-bin libopenmpi-dev), or run without mpirun")
        }
        var (r, s): (Int32, Int32) = (0, 0)
        MPICommunicator.check(dipp_mpi_rank(&r), "MPI_Comm_rank")
        MPICommunicator.check(dipp_mpi_size(&s), "MPI_Comm_size")
        (rank, size) = (Int(r), Int(s))
    }

    public func allReduceSum(_ values: inout [Float]) {
        let count = Int64(values.count)
        timed(bytes: values.count * 4) {
            values.withUnsafeMutableBufferPointer { MPICommunicator.check(dipp_mpi_allreduce_sum_float($0.baseAddress, count), "MPI_Allreduce") }
        }
    }

    public func allReduceSum(_ values: inout [Double]) {
        let count = Int64(values.count)
        timed(bytes: values.count * 8) {
            values.withUnsafeMutableBufferPointer { MPICommunicator.check(dipp_mpi_allreduce_sum_double($0.baseAddress, count), "MPI_Allreduce") }
        }
    }

    /// Runs `body`, adding its wall time to the statistics, and one call of `bytes` when > 0.
    private func timed(bytes: Int, _ body: () -> Void) {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        allReduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        if bytes > 0 { (allReduceCalls, allReduceBytes) = (allReduceCalls + 1, allReduceBytes + bytes) }
    }

    public func broadcast(_ values: inout [Float], root: Int) {
        let count = Int64(values.count)
        values.withUnsafeMutableBufferPointer {
            MPICommunicator.check(dipp_mpi_broadcast_float($0.baseAddress, count, Int32(root)), "MPI_Bcast")
        }
    }

    public func barrier() { MPICommunicator.check(dipp_mpi_barrier(), "MPI_Barrier") }

    /// MPI_Iallreduce; the returned closure is MPI_Wait (and adds the call to the statistics).
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> () -> Void {
        var request: UnsafeMutableRawPointer?
        timed(bytes: values.count * 4) {
            MPICommunicator.check(dipp_mpi_iallreduce_sum_float(values.baseAddress, Int64(values.count), &request), "MPI_Iallreduce")
        }
        return { [self] in timed(bytes: 0) { MPICommunicator.check(dipp_mpi_wait(&request), "MPI_Wait") } }
    }

    /// Ends MPI; call once, after the last collective.
    public func finalize() { _ = dipp_mpi_finalize() }

    private static func check(_ status: Int32, _ call: String) {
        precondition(status == 0, "\(call) failed with MPI error \(status)")
    }
}

/// The communicator a command runs with: MPI when launched by `mpirun`, one process otherwise.
public enum Communicators {
    public static func fromEnvironment() throws -> any Communicator {
        MPICommunicator.isLaunchedByMPI() ? try MPICommunicator() : SingleProcess()
    }
}

/// MPI could not start.
public struct CommunicatorError: DiagnosticError {
    public let what: String
    public let hint: String
    public var location: String { "MPI" }
}
