import DIPPTensor
import Foundation
import Testing

/// Open MPI's launcher, when installed.
private let installedMPIRun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// `mpirun -np 2 dipp distill` (and `pretrain`) against one process (when Open MPI's `mpirun` is installed, as
/// `.ci/install-dependencies` does): the same global batch and seed give the same weights after
/// 100 DI++ steps, a checkpoint resumes with another process count, and a job that loses a rank
/// stops with an error and resumes from its last checkpoint to the same weights.
@Suite(.serialized, .enabled(if: installedMPIRun != nil, "Open MPI's mpirun is not installed"))
struct DataParallelTests {
    static let mpirun = installedMPIRun
    /// Float summation order differs (two half-batch GEMMs and an all-reduce against one GEMM):
    /// measured 4·10⁻⁷ after 100 steps; allowed 1·10⁻⁵ per element.
    static let tolerance: Float = 1e-5

    static func dipp() throws -> String { try #require(TestSupport.builtProduct("dipp"), "build the dipp executable first") }

    static func folder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-mpi-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small gmm2d teacher (one per suite run).
    static func teacher() throws -> URL {
        let out = folder("teacher")
        let result = try TestSupport.run(try dipp(), ["pretrain", "--data", "gmm2d", "--steps", "300", "--no-report", "--threads", "1", "--out", out.path])
        #expect(result.status == 0, "\(result.output)")
        return out
    }

    static func distill(_ teacher: URL, steps: Int, out: URL) -> [String] {
        ["distill", "--teacher", teacher.path, "--steps", "\(steps)", "--batch-size", "256", "--checkpoint-every", "50", "--out", out.path]
    }

    /// `mpirun -np 2 dipp …` (as root too, as CI runs; more ranks than free cores allowed).
    static func mpi(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try TestSupport.run(mpirun!, ["--allow-run-as-root", "--oversubscribe", "-np", "2", try dipp()] + arguments)
    }

    /// The largest element-wise difference between two checkpoints' tensors (every tensor:
    /// generator, EMA, TA, both Adam states).
    static func largestDifference(_ a: URL, _ b: URL) throws -> Float {
        let (x, y) = (try SafeTensors.read(contentsOf: a).tensors, try SafeTensors.read(contentsOf: b).tensors)
        #expect(Set(x.keys) == Set(y.keys))
        return x.keys.map { key in zip(x[key]!.storage, y[key]!.storage).map { abs($0 - $1) }.max() ?? 0 }.max() ?? .infinity
    }

    /// The processes whose parent is `parent` (from /proc: the ranks mpirun started on this machine).
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }.sorted()
    }

    @Test func twoProcessesEqualOneAfter100Steps() throws {
        let teacher = try Self.teacher()
        let (single, parallel) = (Self.folder("single"), Self.folder("parallel"))
        let one = try TestSupport.run(try Self.dipp(), Self.distill(teacher, steps: 100, out: single) + ["--threads", "1"])
        #expect(one.status == 0, "\(one.output)")
        let two = try Self.mpi(Self.distill(teacher, steps: 100, out: parallel))
        #expect(two.status == 0, "\(two.output)")
        #expect(two.output.contains("data-parallel over 2 processes"), "\(two.output)")
        let checkpoint = "checkpoint-00000100.safetensors"
        let difference = try Self.largestDifference(single.appendingPathComponent(checkpoint), parallel.appendingPathComponent(checkpoint))
        #expect(difference < Self.tolerance, "largest difference \(difference)")

        // Gradients all-reduced in 64 KiB buckets during the backward pass: the same sums.
        let bucketed = Self.folder("bucketed"), configuration = bucketed.appendingPathComponent("buckets.json")
        try Data(#"{"algorithm": {"allReduceBucketBytes": 65536}}"#.utf8).write(to: configuration)
        let buckets = try Self.mpi(Self.distill(teacher, steps: 100, out: bucketed.appendingPathComponent("run")) + ["--config", configuration.path])
        #expect(buckets.status == 0, "\(buckets.output)")
        let bucketDifference = try Self.largestDifference(single.appendingPathComponent(checkpoint),
                                                          bucketed.appendingPathComponent("run").appendingPathComponent(checkpoint))
        #expect(bucketDifference < Self.tolerance, "largest difference with buckets \(bucketDifference)")

        // Resumed with another process count: 50 steps alone, then 2 processes to 100.
        let switched = Self.folder("switched")
        let first = try TestSupport.run(try Self.dipp(), Self.distill(teacher, steps: 50, out: switched) + ["--threads", "1"])
        #expect(first.status == 0, "\(first.output)")
        let rest = try Self.mpi(Self.distill(teacher, steps: 100, out: switched))
        #expect(rest.status == 0 && rest.output.contains("resuming from"), "\(rest.output)")
        let resumed = try Self.largestDifference(single.appendingPathComponent(checkpoint), switched.appendingPathComponent(checkpoint))
        #expect(resumed < Self.tolerance, "largest difference after the switch \(resumed)")
    }

    @Test func pretrainingOnTwoProcessesEqualsOne() throws {
        let (single, parallel) = (Self.folder("pretrain-single"), Self.folder("pretrain-parallel"))
        let arguments = { (out: URL) in ["pretrain", "--data", "gmm2d", "--steps", "100", "--batch-size", "256", "--no-report", "--out", out.path] }
        let one = try TestSupport.run(try Self.dipp(), arguments(single) + ["--threads", "1"])
        #expect(one.status == 0, "\(one.output)")
        let two = try Self.mpi(arguments(parallel))
        #expect(two.status == 0 && two.output.contains("data-parallel over 2 processes"), "\(two.output)")
        let checkpoint = "checkpoint-00000100.safetensors"
        let difference = try Self.largestDifference(single.appendingPathComponent(checkpoint), parallel.appendingPathComponent(checkpoint))
        #expect(difference < Self.tolerance, "largest difference \(difference)")
    }

    @Test func losingARankStopsTheJobAndItResumes() throws {
        let teacher = try Self.teacher()
        let (killed, reference) = (Self.folder("killed"), Self.folder("reference"))
        let steps = 600
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.mpirun!)
        process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "2", try Self.dipp()] + Self.distill(teacher, steps: steps, out: killed)
        let pipe = Pipe()
        (process.standardOutput, process.standardError) = (pipe, pipe)
        try process.run()
        // Once the first checkpoint is written, kill one rank (a `dipp` child of mpirun) with SIGKILL.
        let first = killed.appendingPathComponent("checkpoint-00000050.safetensors").path
        var waited = 0
        while !FileManager.default.fileExists(atPath: first) && process.isRunning && waited < 6000 {
            usleep(100_000)
            waited += 1
        }
        let victim = try #require(Self.children(of: process.processIdentifier).last,
                                  "no rank found under mpirun (\(process.isRunning ? "running" : "finished"))")
        kill(victim, SIGKILL)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0, "the job went on without a rank: \(output)")
        #expect(output.contains("signal 9") || output.contains("Killed"), "mpirun's message: \(output)")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("generator.safetensors").path))

        // The same command again resumes from the last checkpoint and ends where an uninterrupted run ends.
        let rerun = try Self.mpi(Self.distill(teacher, steps: steps, out: killed))
        #expect(rerun.status == 0 && rerun.output.contains("resuming from"), "\(rerun.output)")
        let whole = try TestSupport.run(try Self.dipp(), Self.distill(teacher, steps: steps, out: reference) + ["--threads", "1"])
        #expect(whole.status == 0, "\(whole.output)")
        let name = String(format: "checkpoint-%08d.safetensors", steps)
        let difference = try Self.largestDifference(reference.appendingPathComponent(name), killed.appendingPathComponent(name))
        #expect(difference < 10 * Self.tolerance, "largest difference \(difference) after \(steps) steps")
    }
}
