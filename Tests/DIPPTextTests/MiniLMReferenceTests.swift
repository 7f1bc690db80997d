import DIPPTensor
import DIPPText
import Foundation
import Testing

/// all-MiniLM-L6-v2 against the Python side (`Tests/Reference/minilm_reference.py`): token ids
/// equal to the `tokenizers` package's on every sentence of `text_sentences.txt` (punctuation,
/// accents, CJK, emoji, numbers, unknown and over-long words, truncation), and sentence
/// embeddings equal to a plain-numpy forward from the same safetensors (cosine ≥ 0.9999).
///
/// Needs the installed weights (`Scripts/install-text-encoder`) and python3 with `tokenizers`,
/// `safetensors` and numpy — `.ci/install-dependencies` installs all of them, and under CI the
/// test never skips.
@Suite(.serialized) struct MiniLMReferenceTests {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Reference")

    static var available: Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        let files = FileManager.default.fileExists(atPath: MiniLM.defaultFolder.appendingPathComponent("model.safetensors").path)
        return files && (try? python(["-c", "import tokenizers, safetensors, numpy"]).status) == 0
    }

    static func python(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    struct Reference: Decodable {
        let ids: [[Int]]
        let embeddings: [[Double]]
    }

    @Test(.enabled(if: available, "the MiniLM files (Scripts/install-text-encoder) and python3 with tokenizers"))
    func matchesThePythonReference() throws {
        let sentencesFile = Self.reference.appendingPathComponent("text_sentences.txt")
        let run = try Self.python([Self.reference.appendingPathComponent("minilm_reference.py").path, "--model-dir", MiniLM.defaultFolder.path,
                                   "--sentences", sentencesFile.path, "--embed", "50"])
        try #require(run.status == 0, "the Python reference failed")
        let expected = try JSONDecoder().decode(Reference.self, from: run.output)
        var lines = String(decoding: try Data(contentsOf: sentencesFile), as: UTF8.self).unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        if lines.last == "" { lines.removeLast() }
        try #require(lines.count >= 200 && lines.count == expected.ids.count)

        let encoder = try MiniLM.load()
        var mismatches: [String] = []
        for (i, line) in lines.enumerated() where encoder.tokenizer.encode(line) != expected.ids[i] {
            mismatches.append("line \(i + 1): \(line.debugDescription)")
        }
        #expect(mismatches.isEmpty, "token ids differ from tokenizers on \(mismatches.count) sentences: \(mismatches.prefix(5))")

        let embedded = encoder.embed(Array(lines.prefix(expected.embeddings.count)))
        let d = encoder.dimension
        var worst = 1.0
        for (i, reference) in expected.embeddings.enumerated() {
            let mine = embedded.storage[(i * d)..<((i + 1) * d)].map(Double.init)
            let dot = zip(mine, reference).reduce(0) { $0 + $1.0 * $1.1 }
            let norms = (mine.reduce(0) { $0 + $1 * $1 } * reference.reduce(0) { $0 + $1 * $1 }).squareRoot()
            worst = min(worst, dot / norms)
        }
        #expect(expected.embeddings.count == 50 && worst >= 0.9999, "lowest cosine \(worst)")
    }

    @Test func missingFilesAreReportedWithTheInstallHint() {
        do {
            _ = try MiniLM.load(folder: URL(fileURLWithPath: "/nonexistent/minilm"))
            Issue.record("loading from a missing folder succeeded")
        } catch let error as TextEncoderError {
            #expect(error.location == "/nonexistent/minilm/model.safetensors" && error.hint.contains("install-text-encoder"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
