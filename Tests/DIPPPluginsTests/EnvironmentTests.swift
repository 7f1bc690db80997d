import Foundation
import Testing

/// Malformed compute settings, from the environment or the command line, end a `dipp` run with
/// a message naming the setting — exit status 1 (64 for command-line usage errors, as
/// ArgumentParser gives) — never with a signal; and the probe `dipp info` prints.
@Suite(.serialized) struct EnvironmentTests {
    static func dipp(_ arguments: [String], _ environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try TestSupport.run(ValidatorTests.executable(), arguments, environment: environment)
    }

    static func scratchFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("dipp-environment-\(UUID())")
    }

    @Test(arguments: [("DIPP_PRECISION", "bogus"), ("DIPP_CONVOLUTION", "bogus"), ("DIPP_THREADS", "abc"), ("DIPP_THREADS", "0"),
                      ("DIPP_MAX_ISA", "avx9")])
    func malformedVariablesStopTheRunNamingThem(_ name: String, _ value: String) throws {
        let out = Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        for arguments in [["info"], ["pretrain", "--data", "gmm2d", "--steps", "2", "--no-report", "--out", out.path]] {
            let run = try Self.dipp(arguments, [name: value])
            #expect(run.status == 1, "\(arguments) with \(name)=\(value): status \(run.status)\n\(run.output)")
            #expect(run.output.contains("\(name): '\(value)'") && run.output.contains("Hint:"), "\(run.output)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "a refused run left \(out.path)")
        }
    }

    @Test(arguments: [("--precision", "fp16"), ("--convolution", "fft"), ("--threads", "0"), ("--per-class", "0")])
    func malformedOptionsAreUsageErrorsNamingThem(_ option: String, _ value: String) throws {
        let out = Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try Self.dipp(["pretrain", "--data", "gmm2d", "--steps", "2", "--no-report", "--out", out.path, option, value])
        #expect(run.status == 64, "\(option) \(value): status \(run.status)\n\(run.output)")
        #expect(run.output.contains(option), "\(run.output)")
    }

    @Test func nonFiniteNumbersAreRefusedNamingTheKey() throws {
        let out = Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try Self.dipp(["pretrain", "--data", "gmm2d", "--steps", "2", "--no-report", "--out", out.path, "--learning-rate", "nan"])
        #expect(run.status == 1 && run.output.contains("'learningRate'") && run.output.contains("not a finite number"), "status \(run.status)\n\(run.output)")
    }

    @Test func aVoxelGridBelowTwoNodesIsRefusedNamingTheKey() throws {
        let teacher = try Self.shapesTeacher()
        let out = Self.scratchFolder(), config = Self.scratchFolder().appendingPathExtension("json")
        defer { [out, config].forEach { try? FileManager.default.removeItem(at: $0) } }
        try Data(#"{"generator": {"name": "voxel", "gridSize": 1}}"#.utf8).write(to: config)
        let run = try Self.dipp(["text-to-3d", "--prompt", "a red torus", "--teacher", teacher.path, "--config", config.path, "--steps", "1",
                                 "--out", out.path])
        #expect(run.status == 1 && run.output.contains("generator.gridSize") && run.output.contains("Hint:"), "status \(run.status)\n\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "a refused run left \(out.path)")
    }

    /// bf16 on a CPU without bf16 kernels (or under `DIPP_MAX_ISA=avx2` on one with them) runs
    /// emulated, with the note: the dense layers of the digits MLP and the convolutions of the
    /// Fashion-MNIST U-Net (Debian's dataset-fashion-mnist, which `.ci/install-dependencies` installs).
    @Test func bf16RunsEmulatedUnderAnAVX2Cap() throws {
        for data in ["digits", "fashion-mnist"] {
            let out = Self.scratchFolder()
            defer { try? FileManager.default.removeItem(at: out) }
            let run = try Self.dipp(["pretrain", "--data", data, "--steps", "2", "--batch-size", "8", "--no-report", "--precision", "bf16", "--out", out.path],
                                    ["DIPP_MAX_ISA": "avx2"])
            #expect(run.status == 0 && run.output.contains("bf16 is emulated") && run.output.contains("trained 2 steps"), "\(data): status \(run.status)\n\(run.output)")
        }
    }

    @Test func infoPrintsTheProbeUnderTheCap() throws {
        let run = try Self.dipp(["info"], ["DIPP_MAX_ISA": "avx2"])
        #expect(run.status == 0, "\(run.output)")
        for line in ["isa: ", "DIPP_MAX_ISA avx2", "element-wise kernels: ", "bf16 GEMM emulated", "libraries: oneDNN", "bf16 matrix products: emulated"] {
            #expect(run.output.contains(line), "\(line) missing from\n\(run.output)")
        }
        let capped = try Self.dipp(["info"], ["DIPP_MAX_ISA": "baseline"])
        #expect(capped.output.contains("element-wise kernels: baseline"), "\(capped.output)")
        let version = try Self.dipp(["--version"])
        #expect(version.status == 0 && version.output.split(separator: ".").count == 3, "\(version.output)")
    }

    /// A run that fails before its first checkpoint leaves a folder any later run may start in.
    @Test func aRunThatFailedBeforeItsFirstCheckpointDoesNotBlockTheNext() throws {
        let out = Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // What a start that died before its first checkpoint leaves: another run's config.json.
        try Data(#"{"data": "digits", "steps": 5, "batchSize": 3}"#.utf8).write(to: out.appendingPathComponent("config.json"))
        let run = try Self.dipp(["pretrain", "--data", "gmm2d", "--steps", "2", "--no-report", "--out", out.path])
        #expect(run.status == 0 && run.output.contains("trained 2 steps"), "status \(run.status)\n\(run.output)")
        let other = try Self.dipp(["pretrain", "--data", "gmm2d", "--steps", "2", "--batch-size", "64", "--no-report", "--out", out.path])
        #expect(other.status == 1 && other.output.contains("batchSize: 256 in the folder, 64 now"), "status \(other.status)\n\(other.output)")
    }

    /// A shapes3d teacher trained for one step (text-to-3D needs a camera-conditioned teacher).
    static func shapesTeacher() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-environment-shapes3d-teacher")
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("teacher.safetensors").path) { return folder }
        let run = try dipp(["pretrain", "--data", "shapes3d", "--steps", "1", "--batch-size", "4", "--no-report", "--out", folder.path])
        try #require(run.status == 0, "\(run.output)")
        return folder
    }
}
