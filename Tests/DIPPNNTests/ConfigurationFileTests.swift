import DIPPNN
import Foundation
import Testing

/// What the JSON files of a run do with numbers JSON cannot hold, and how a refused resume reads.
@Suite struct ConfigurationFileTests {
    struct Metrics: Codable, Equatable {
        var mmd: Double
        var fd: Float
        var steps: Int
    }

    /// A diverged run's report is written, its non-finite metrics as strings, not an encoding error.
    @Test func nonFiniteNumbersAreWrittenAsStrings() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-nonfinite-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try ConfigurationFile.write(Metrics(mmd: .nan, fd: .infinity, steps: 3), to: file)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(object["mmd"] as? String == "nan" && object["fd"] as? String == "inf" && object["steps"] as? Int == 3, "\(object)")
    }

    /// Recording a configuration with a non-finite value (a flag given `nan`) names its key.
    @Test func nonFiniteFlagsAreRefusedWithTheirKey() {
        var provenance = ConfigurationProvenance()
        #expect {
            try provenance.record("flag", ["algorithm": Metrics(mmd: 1, fd: -.infinity, steps: 1)])
        } throws: { error in
            "\(error)".contains("'algorithm.fd' (flag)") && "\(error)".contains("not a finite number")
        }
    }
}
