import DIPPData
import DIPPNN
import Foundation

/// Per-step metrics to a JSONL file (`metrics.jsonl`, one object per logged step) and to
/// TensorBoard event files (`tensorboard/`), both in the run folder.
///
/// Resuming: opening the log at step `s` (the checkpoint a run resumed from) first cuts both
/// back to the records of steps `≤ s`, so steps run again after an interruption appear once.
public final class TrainingLog {
    private let jsonl: FileHandle
    private let tensorboard: TensorBoardWriter

    /// - Parameter resumedStep: the step training continues from (0 for a fresh run).
    public init(folder: URL, resumedStep: Int) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("metrics.jsonl")
        try Self.cutJSONL(path, after: resumedStep)
        let events = folder.appendingPathComponent("tensorboard")
        for file in (try? FileManager.default.contentsOfDirectory(at: events, includingPropertiesForKeys: nil)) ?? []
        where file.lastPathComponent.hasPrefix("events.out.tfevents.") {
            try TensorBoardWriter.cut(file, after: resumedStep)
        }
        if !FileManager.default.fileExists(atPath: path.path) { _ = FileManager.default.createFile(atPath: path.path, contents: nil) }
        jsonl = try FileHandle(forWritingTo: path)
        try jsonl.seekToEnd()
        tensorboard = try TensorBoardWriter(folder: events)
    }

    deinit { try? jsonl.close() }

    /// Appends `{"step": step, name: value, …}` (non-finite values as `null`; a repeated name
    /// gets a suffix `_2`, `_3`, … so every object has unique keys).
    public func record(step: Int, metrics: [(String, Float)]) throws {
        var seen: [String: Int] = [:]
        let unique = metrics.map { name, value -> (String, Float) in
            seen[name, default: 0] += 1
            return (seen[name]! == 1 ? name : "\(name)_\(seen[name]!)", value)
        }
        let fields = try [("step", "\(step)")] + unique.map { name, value in
            (name, value.isFinite ? String(decoding: try JSONEncoder().encode(value), as: UTF8.self) : "null")
        }
        let line = try "{" + fields.map { "\(String(decoding: try JSONEncoder().encode($0.0), as: UTF8.self)):\($0.1)" }
            .joined(separator: ",") + "}\n"
        try jsonl.write(contentsOf: Data(line.utf8))
        try tensorboard.add(step: step, scalars: unique)
    }

    public func flush() throws {
        try jsonl.synchronize()
        try tensorboard.flush()
    }

    /// Keeps the lines of `metrics.jsonl` whose step is `≤ step` (and drops a torn last line).
    static func cutJSONL(_ url: URL, after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        let kept = lines.filter { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let s = object["step"] as? Int else { return false }
            return s <= step
        }
        let tornLastLine = !data.isEmpty && data.last != UInt8(ascii: "\n")
        guard kept.count != lines.count || tornLastLine else { return }
        try Data(kept.map { $0 + "\n" }.joined().utf8).write(to: url, options: .atomic)
    }
}
