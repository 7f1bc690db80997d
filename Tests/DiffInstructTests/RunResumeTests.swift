import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// Interrupted runs: logs hold each step once after a resume, outputs are never partial, and
/// every logged object has unique keys.
@Suite(.serialized) struct RunResumeTests {
    static func folder(_ name: String) -> URL { AlignmentRunTests.root.appendingPathComponent("resume-\(name)-\(UUID())") }

    /// The steps of `metrics.jsonl`, in file order.
    static func loggedSteps(_ folder: URL) throws -> [Int] {
        try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object["step"] as? Int)
        }
    }

    /// A run killed after logging steps past its last checkpoint (simulated by deleting the
    /// newest checkpoint) and run again: each step is logged once, in JSONL and TensorBoard.
    @Test func aResumedRunLogsEachStepOnce() throws {
        var c = try AlignmentRunTests.configuration(steps: 8)
        c.algorithm.checkpointEvery = 4
        c.algorithm.logEvery = 1
        let folder = Self.folder("logs")
        try AlignmentRun(configuration: c, folder: folder).run(progress: false)
        try FileManager.default.removeItem(at: CheckpointStore(folder: folder).url(step: 8))   // "killed" before checkpoint 8
        var messages: [String] = []
        try AlignmentRun(configuration: c, folder: folder).run(progress: false) { messages.append($0) }
        #expect(messages.contains { $0.contains("(step 4)") }, "\(messages)")
        #expect(try Self.loggedSteps(folder) == Array(1...8))
        guard TrainerTests.tensorboardAvailable else { return }
        let output = try TrainerTests.readTensorBoard(folder.appendingPathComponent("tensorboard"))
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("loss_divergence ") })
        let steps: [String] = line.split(separator: " ").dropFirst().map { String($0.split(separator: ":")[0]) }
        #expect(steps == (1...8).map(String.init), "\(line)")
    }

    /// A torn last line (killed mid-write) is dropped, not kept as corrupt JSON.
    @Test func aTornLogLineIsDropped() throws {
        let folder = Self.folder("torn")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data((#"{"step":1,"a":1}"# + "\n" + #"{"step":2,"a""#).utf8).write(to: folder.appendingPathComponent("metrics.jsonl"))
        let log = try TrainingLog(folder: folder, resumedStep: 5)
        try log.record(step: 6, metrics: [("a", 2)])
        try log.flush()
        #expect(try Self.loggedSteps(folder) == [1, 6])
    }

    /// Several TA updates per step, and a name used twice: one value per key.
    @Test func loggedObjectsHaveUniqueKeys() throws {
        var c = try AlignmentRunTests.configuration(steps: 2)
        c.algorithm.assistantSteps = 3
        c.algorithm.logEvery = 1
        let folder = Self.folder("keys")
        try AlignmentRun(configuration: c, folder: folder).run(progress: false)
        let first = try #require(try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").first)
        #expect(first.components(separatedBy: #""loss_assistant""#).count == 2, "\(first)")
        let names = Self.folder("names")
        let log = try TrainingLog(folder: names, resumedStep: 0)
        try log.record(step: 1, metrics: [("x\"y", 1), ("x\"y", 2)])
        try log.flush()
        let line = try Data(contentsOf: names.appendingPathComponent("metrics.jsonl"))
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        #expect(object["x\"y"] as? Double == 1 && object["x\"y_2"] as? Double == 2 && object["step"] as? Int == 1, "\(object)")
    }

    /// A write that fails leaves the previous file whole and no partial file behind.
    @Test func aFailedImageWriteKeepsThePreviousFile() throws {
        let folder = Self.folder("png")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("samples.png").path
        try Files.writePNG([UInt8](repeating: 200, count: 12), width: 2, height: 2, channels: 3, to: path)
        // A libpng error (width 0 in the header) must not touch samples.png.
        #expect(throws: DataError.self) { try Files.writePNG([], width: 0, height: 0, channels: 3, to: path) }
        let (pixels, width, height) = try Files.readPNG(path, channels: 3)
        #expect(width == 2 && height == 2 && pixels == [UInt8](repeating: 200, count: 12))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["samples.png"])
    }

    /// `dipp align`'s defaults (classifier reward, α_rew = 1) are defaults: a configuration
    /// file's explicit `none` or `0` is kept, never silently replaced.
    @Test func explicitConfigurationValuesAreKept() throws {
        let file = Self.folder("config").appendingPathExtension("json")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try #"{"reward": "none", "algorithm": {"rewardScale": 0}}"#.write(to: file, atomically: true, encoding: .utf8)
        let c = try ConfigurationFile.read(file.path, over: RunConfiguration.alignDefaults)
        #expect(c.reward == "none" && c.algorithm.rewardScale == 0)
        try #"{"algorithm": {"steps": 5}}"#.write(to: file, atomically: true, encoding: .utf8)
        let d = try ConfigurationFile.read(file.path, over: RunConfiguration.alignDefaults)
        #expect(d.reward == "classifier" && d.algorithm.rewardScale == 1)
    }
}
