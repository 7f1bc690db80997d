import DIPPData
import DIPPNN
import DIPPTensor
import Foundation
import Testing

/// `kill -9` at 20 random points of each of `dipp pretrain`, `distill` and `align`, each followed
/// by the same command again: every rerun resumes, no file under its final name is ever
/// partial, the final weights equal an uninterrupted run's bit for bit, and each step is logged
/// once.
@Suite(.serialized) struct KillPointTests {
    static let killsPerCommand = 20

    /// The three commands on a small gmm2d teacher (each a few seconds uninterrupted), writing to `out`.
    static func arguments(_ command: String, teacher: URL, out: URL) -> [String] {
        switch command {
        case "pretrain":
            return ["pretrain", "--data", "gmm2d", "--steps", "300", "--batch-size", "64", "--checkpoint-every", "10", "--per-class", "20",
                    "--out", out.path]
        case "distill":
            return ["distill", "--teacher", teacher.path, "--steps", "120", "--batch-size", "64", "--checkpoint-every", "10", "--out", out.path]
        default:
            return ["align", "--teacher", teacher.path, "--reward", "mode-distance", "--steps", "120", "--batch-size", "64",
                    "--checkpoint-every", "10", "--out", out.path]
        }
    }

    /// Every file under its final name in `folder` is whole: safetensors decode, JSON parses,
    /// PNGs read, JSONL lines parse.
    static func everyFileIsWhole(_ folder: URL) throws -> [String] {
        var broken: [String] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names {
            let path = folder.appendingPathComponent(name).path
            if name.hasSuffix(".safetensors"), (try? SafeTensors.read(contentsOf: URL(fileURLWithPath: path))) == nil { broken.append(name) }
            if name.hasSuffix(".json"), (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) == nil {
                broken.append(name)
            }
            if name.hasSuffix(".png"), (try? Files.readPNG(path, channels: 3)) == nil { broken.append(name) }
        }
        return broken
    }

    @Test(arguments: ["pretrain", "distill", "align"])
    func killedAtRandomPointsTheRunEndsAsIfUninterrupted(_ command: String) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-kills-\(command)-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let dipp = try ValidatorTests.executable()
        let teacher = root.appendingPathComponent("teacher")
        if command != "pretrain" {
            let pretrain = ["pretrain", "--data", "gmm2d", "--steps", "200", "--batch-size", "64", "--no-report", "--out", teacher.path]
            #expect(try TestSupport.run(dipp, pretrain).status == 0)
        }
        // The uninterrupted reference, timed.
        let referenceFolder = root.appendingPathComponent("reference"), folder = root.appendingPathComponent("killed")
        let start = Date()
        let straight = try TestSupport.run(dipp, Self.arguments(command, teacher: teacher, out: referenceFolder))
        let seconds = Date().timeIntervalSince(start)
        #expect(straight.status == 0, "\(straight.output)")
        // Kill -9 after a random delay until 20 kills have hit a running process, checking the
        // folder after each. Every rerun resumes further along, so the delay is drawn from a
        // horizon that halves whenever a rerun finished before its kill.
        let arguments = Self.arguments(command, teacher: teacher, out: folder)
        var rng = RandomStream(seed: command.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })
        var (hits, attempts, horizon) = (0, 0, seconds)
        while hits < Self.killsPerCommand && attempts < 4 * Self.killsPerCommand {
            attempts += 1
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dipp)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(Double(rng.uniform(1)[0]) * horizon * 1e6))
            if process.isRunning { hits += 1 } else { horizon = Swift.max(horizon / 2, 0.05) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let broken = try Self.everyFileIsWhole(folder)
            #expect(broken.isEmpty, "partial files after a kill: \(broken)")
        }
        #expect(hits == Self.killsPerCommand, "\(hits) of \(attempts) kills hit a running process")
        let final = try TestSupport.run(dipp, arguments)
        #expect(final.status == 0, "\(final.output)")
        let weights = command == "pretrain" ? "teacher.safetensors" : "generator.safetensors"
        let a = try SafeTensors.read(contentsOf: referenceFolder.appendingPathComponent(weights)).tensors
        let b = try SafeTensors.read(contentsOf: folder.appendingPathComponent(weights)).tensors
        #expect(!a.isEmpty && a.keys.sorted() == b.keys.sorted() && a.allSatisfy { b[$0.key]?.storage == $0.value.storage },
                "\(command): the resumed run's weights differ from the uninterrupted run's")
        if command != "pretrain" {
            let steps = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
                (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["step"] as? Int ?? -1
            }
            #expect(steps == Array(stride(from: 10, through: 120, by: 10)), "\(command): \(steps)")
        }
    }
}
