import DIPPData
import DIPPRuns
import DIPPTensor
import Foundation
import Testing

/// `PAIRS.jsonl`: appends that survive a crash, and malformed files rejected with the line.
@Suite struct PairsFileTests {
    func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("dipp-pairs-\(UUID()).jsonl")
    }

    let pair = PreferencePair(label: 3, shape: [2], left: [0.5, -1], right: [1, 0], choice: .tie, source: "test")

    @Test func appendedPairsReadBack() throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(at: file) }
        try PreferencePairs.append(pair, to: file)
        var second = pair
        second.choice = .left
        second.prompt = "a bold three"
        try PreferencePairs.append(second, to: file)
        #expect(try PreferencePairs.read(file) == [pair, second])
        #expect(PreferencePairs.count(file) == 2)
        #expect(PreferencePair.Choice.allCases.map(\.target) == [1, 0, 0.5])
    }

    @Test func aTornLastLineIsRemovedAndEveryCompleteLineKept() throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(at: file) }
        try PreferencePairs.append(pair, to: file)
        try PreferencePairs.append(pair, to: file)
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"label": 3, "shape": [2], "le"#.utf8))   // a write cut short
        try handle.close()
        #expect(throws: DataError.self) { try PreferencePairs.read(file) }
        #expect(try PreferencePairs.removeTornTail(file) == 30)
        #expect(try PreferencePairs.read(file).count == 2)
        #expect(try PreferencePairs.removeTornTail(file) == 0)
    }

    @Test func malformedFilesNameTheLineAndWhatIsWrong() throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let good = #"{"label": 1, "shape": [2], "left": [0, 1], "right": [1, 0], "choice": "left"}"#
        let cases: [(text: String, line: Int?, what: String)] = [
            (good + "\nnot json", 2, "not a preference pair (not JSON)"),
            (good + "\n" + #"{"shape": [2], "left": [0, 1], "right": [1, 0]}"#, 2, "not a preference pair (missing 'choice')"),
            (#"{"shape": [2], "left": [0, 1], "right": [1, 0], "choice": "maybe"}"#, 1, "not a preference pair (bad value at 'choice')"),
            (#"{"shape": [3], "left": [0, 1], "right": [1, 0], "choice": "left"}"#, 1, "'left' has 2 and 'right' 2 values; shape [3] needs 3 each"),
            (good + "\n" + #"{"shape": [1, 2], "left": [0, 1], "right": [1, 0], "choice": "left"}"#, 2, "shape [1, 2] differs from the first pair's [2]"),
            (#"{"label": -2, "shape": [2], "left": [0, 1], "right": [1, 0], "choice": "left"}"#, 1, "label -2 is negative"),
            ("\n\n", nil, "the pairs file holds no pair"),
        ]
        for c in cases {
            try Data(c.text.utf8).write(to: file)
            let error = try #require(throws: DataError.self) { try PreferencePairs.read(file) }
            #expect(error.location == file.path + (c.line.map { ":\($0)" } ?? ""), "\(error)")
            #expect(error.what == c.what, "\(error)")
            #expect(!error.hint.isEmpty)
        }
    }

    @Test func aMissingFileIsAClearError() {
        let error = #expect(throws: DataError.self) { try PreferencePairs.read(temporaryFile()) }
        #expect(error?.what == "cannot read the pairs file")
    }
}
