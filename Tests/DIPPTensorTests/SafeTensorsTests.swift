import DIPPTensor
import Foundation
import Testing

/// Round trips with the real Python `safetensors` package (fixture written by it; a file DIPP
/// writes checked by it) and one specific error per malformation.
@Suite struct SafeTensorsTests {
    static let referenceFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Reference")

    @Test func readsTheFixtureWrittenByPython() throws {
        let contents = try SafeTensors.read(contentsOf: Self.referenceFolder.appendingPathComponent("fixture.safetensors"))
        #expect(contents.metadata == ["format": "pt", "written_by": "safetensors 0.7.0"])
        let f32 = try contents.tensor("layer.f32")
        #expect(f32.shape == [2, 3] && f32.storage == [-1, -0.5, 0, 0.5, 1, 1.5])
        #expect(try contents.tensor("layer.f16").storage == [0.5, -1.25, 3, 65504])
        #expect(try contents.tensor("layer.bf16").storage == [1.5, -2, 0.15625])
        let f64 = try contents.tensor("layer.f64")
        #expect(f64.shape == [2, 1] && f64.storage == [Float(1e-3), -2.5])
        #expect(try contents.tensor("scalar").shape == [] && contents.tensor("scalar").storage == [7])
        #expect(contents.dtypes == ["layer.f32": .f32, "layer.f16": .f16, "layer.bf16": .bf16, "layer.f64": .f64, "scalar": .f32])
        #expect(throws: SafeTensorsError.self) { try contents.tensor("nope") }
    }

    static func writeSample(to url: URL) throws {
        try SafeTensors.write([
            "weight": Tensor(shape: [2, 3], storage: (0..<6).map { Float($0) * 0.25 }),
            "bias": Tensor(shape: [2], storage: [1, -2]),
            "empty": Tensor.zeros([0, 3]),
        ], metadata: ["step": "12"], to: url)
    }

    @Test func roundTripsThroughDIPP() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-roundtrip-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.writeSample(to: url)
        let back = try SafeTensors.read(contentsOf: url)
        #expect(try back.tensor("weight").storage == [0, 0.25, 0.5, 0.75, 1, 1.25])
        #expect(try back.tensor("empty").shape == [0, 3])
        #expect(back.metadata == ["step": "12"])
        let header = try Data(contentsOf: url)
        #expect((8 + Int(header[0])) % 8 == 0, "header padded to 8 bytes")
    }

    /// Python must be there in CI (`.ci/run` installs it); elsewhere the test is skipped when
    /// `safetensors` is not importable.
    static var pythonReaderAvailable: Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        return (try? runPython(["-c", "import safetensors, numpy"]).status) == 0
    }

    static func runPython(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: pythonReaderAvailable, "python3 with safetensors==0.7.0 and numpy"))
    func pythonReadsWhatDIPPWrites() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-for-python-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.writeSample(to: url)
        let script = Self.referenceFolder.appendingPathComponent("safetensors_reference.py").path
        let (status, output) = try Self.runPython([script, "check", url.path])
        #expect(status == 0, "Python's safetensors rejected DIPP's file: \(output)")
        #expect(output.contains("OK"))
    }

    // MARK: - Malformed files

    /// A file with the given header JSON and data bytes.
    static func file(header: String, data: [UInt8] = []) -> Data {
        var out = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: Array(header.utf8))
        out.append(contentsOf: data)
        return out
    }

    static func kind(of data: Data) -> SafeTensorsError.Kind? {
        do {
            _ = try SafeTensors.decode(data, source: "test.safetensors")
            return nil
        } catch let error as SafeTensorsError {
            #expect(error.description.contains("test.safetensors") && error.description.contains("Hint:"))
            return error.kind
        } catch {
            return nil
        }
    }

    static let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    @Test func malformedFilesGiveSpecificErrors() {
        let eight = [UInt8](repeating: 0, count: 8)
        #expect(Self.kind(of: Data([1, 2, 3])) == .truncated)
        var short = Self.file(header: Self.good, data: eight)
        short.removeLast(20)
        #expect(Self.kind(of: short) == .truncated)
        var huge = Data()
        withUnsafeBytes(of: UInt64(1) << 40) { huge.append(contentsOf: $0) }
        #expect(Self.kind(of: huge) == .headerTooLarge)
        #expect(Self.kind(of: Self.file(header: #"{"a":{"dtype":"F32","#, data: eight)) == .invalidJSON)
        #expect(Self.kind(of: Self.file(header: "[1,2]", data: eight)) == .invalidJSON)
        #expect(Self.kind(of: Self.file(header: #"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, data: eight)) == .unsupportedDType)
        #expect(Self.kind(of: Self.file(header: #"{"a":{"dtype":"F32","data_offsets":[0,8]}}"#, data: eight)) == .invalidEntry)
        #expect(Self.kind(of: Self.file(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: eight)) == .invalidEntry)
        #expect(Self.kind(of: Self.file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, data: eight)) == .offsetsOutOfRange)
        #expect(Self.kind(of: Self.file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: eight)) == .offsetsOutOfRange)
        #expect(Self.kind(of: Self.file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight)) == .sizeMismatch)
        #expect(Self.kind(of: Self.file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eight)) == .incompleteBuffer)
        #expect(Self.kind(of: Self.file(header: Self.good, data: eight + [0, 0, 0, 0])) == .incompleteBuffer)
        #expect(Self.kind(of: Self.file(header: #"{"__metadata__":{"k":1}}"#)) == .invalidEntry)
        #expect(Self.kind(of: Self.file(header: Self.good, data: eight)) == nil)
    }

    /// Language-model files hold integer tensors (BERT's `position_ids` is I64): read as Float32.
    @Test func readsIntegerTensorsAsFloat() throws {
        var data: [UInt8] = []
        for v: Int64 in [0, -3, 1 << 24] { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
        for v: Int32 in [7, -1] { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
        let header = #"{"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"small":{"dtype":"I32","shape":[1,2],"data_offsets":[24,32]}}"#
        let contents = try SafeTensors.decode(Self.file(header: header, data: data))
        #expect(try contents.tensor("ids").storage == [0, -3, 16_777_216])
        #expect(try contents.tensor("small").shape == [1, 2] && contents.tensor("small").storage == [7, -1])
        #expect(contents.dtypes == ["ids": .i64, "small": .i32])
    }

    @Test func unreadableFile() {
        do {
            _ = try SafeTensors.read(contentsOf: URL(fileURLWithPath: "/nonexistent/dipp.safetensors"))
            Issue.record("reading a missing file succeeded")
        } catch let error as SafeTensorsError {
            #expect(error.kind == .unreadable)
            #expect(error.location == "/nonexistent/dipp.safetensors")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
