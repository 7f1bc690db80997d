import DIPPNN
import Foundation

/// Per-step metrics to a JSONL file (`metrics.jsonl`, one object per logged step) and to
/// TensorBoard event files (`tensorboard/`), both in the run folder.
public final class TrainingLog {
    private let jsonl: FileHandle
    private let tensorboard: TensorBoardWriter

    public init(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("metrics.jsonl")
        if !FileManager.default.fileExists(atPath: path.path) { _ = FileManager.default.createFile(atPath: path.path, contents: nil) }
        jsonl = try FileHandle(forWritingTo: path)
        try jsonl.seekToEnd()
        tensorboard = try TensorBoardWriter(folder: folder.appendingPathComponent("tensorboard"))
    }

    deinit { try? jsonl.close() }

    public func record(step: Int, metrics: [(String, Float)]) throws {
        let fields = metrics.map { "\"\($0.0)\":\($0.1.isFinite ? String($0.1) : "null")" }
        try jsonl.write(contentsOf: Data(("{\"step\":\(step)," + fields.joined(separator: ",") + "}\n").utf8))
        try tensorboard.add(step: step, scalars: metrics)
    }

    public func flush() throws {
        try jsonl.synchronize()
        try tensorboard.flush()
    }
}
