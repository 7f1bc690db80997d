import ArgumentParser
import DIPPComponents
import DIPPLabel
import DIPPPlugins
import DIPPRuns
import Foundation

/// `dipp label RUN`: the preference-labelling page for a generator run.
struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a page that shows two samples of a run side by side and records which is better (PAIRS.jsonl).",
        discussion: """
        Open the printed address in a browser. Click the better sample, or use ← / →; ↓ or T for a tie, S or space to skip. \
        Every choice is appended to the pairs file and flushed to disk before the page moves on; a restarted server \
        appends to the same file. Train a reward on it with `dipp reward train --pairs FILE --out RUN`.
        """)

    @Argument(help: "Run folder of `dipp distill` / `dipp align` whose samples are judged.") var runFolder: String
    @Option(help: "Port.") var port: UInt16 = 8080
    @Option(help: "Address to listen on (loopback by default; 0.0.0.0 exposes the page to the network).") var host: String = "127.0.0.1"
    @Option(help: "Pairs file to append to (default: RUN/pairs.jsonl).") var pairs: String?
    @Option(help: "Seed of the samples shown.") var seed: UInt64 = 0

    func run() throws {
        try reportingErrors {
            let folder = URL(fileURLWithPath: runFolder)
            let file = pairs.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("pairs.jsonl")
            let session = try LabelSession(runFolder: folder, pairsFile: file, seed: seed, components: CLI.components)
            if session.repairedBytes > 0 { print("removed a torn last line (\(session.repairedBytes) bytes) from \(file.path)") }
            let (host, port) = (self.host, self.port)
            let finished = DispatchSemaphore(value: 0)
            let failure = FailureBox()
            Task {
                do {
                    try await LabelServer.run(session: session, host: host, port: port) {
                        // Unbuffered, so a script waiting for this line sees it at once.
                        FileHandle.standardOutput.write(Data(
                            "labelling \(folder.path) at http://\(host):\(port)/ — \(session.recorded) pairs in \(file.path) so far (Ctrl-C stops)\n".utf8))
                    }
                } catch {
                    failure.error = error
                }
                finished.signal()
            }
            finished.wait()
            if let error = failure.error {
                throw ServerError(location: "http://\(host):\(port)/", what: "the labelling server stopped",
                                  hint: "is port \(port) in use? Choose another with --port", cause: error)
            }
        }
    }
}

/// The server task's error, handed to the waiting command.
private final class FailureBox: @unchecked Sendable {
    var error: Error?
}
