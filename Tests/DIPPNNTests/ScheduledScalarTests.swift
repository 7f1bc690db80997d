import DIPPNN
import DIPPTensor
import Foundation
import Testing

/// Scheduled hyper-parameters: a number or a schedule, decoded strictly, with exact values.
@Suite struct ScheduledScalarTests {
    struct Holder: Codable, Equatable {
        var rate: ScheduledScalar = 1e-4
    }

    static func decode(_ json: String) throws -> ScheduledScalar {
        try ConfigurationFile.decode(Data(json.utf8), over: Holder(), source: "test").rate
    }

    @Test func constantsAndSchedulesHaveTheirValues() throws {
        #expect(try Self.decode(#"{"rate": 0.5}"#) == .constant(0.5))
        let linear = try Self.decode(#"{"rate": {"schedule": "linear", "from": 1, "to": 3, "steps": 4}}"#)
        #expect([0, 2, 4, 10].map(linear.value) == [1, 2, 3, 3])
        let cosine = try Self.decode(#"{"rate": {"schedule": "cosine", "from": 2, "to": 0, "steps": 10}}"#)
        #expect(cosine.value(at: 0) == 2 && Swift.abs(cosine.value(at: 5) - 1) < 1e-6 && Swift.abs(cosine.value(at: 10)) < 1e-6)
        let warmup = try Self.decode(#"{"rate": {"schedule": "warmup", "to": 4, "steps": 4}}"#)
        #expect([0, 1, 3, 9].map(warmup.value) == [1, 2, 4, 4])
        let steps = try Self.decode(#"{"rate": {"schedule": "steps", "values": [1, 0.1, 0.01], "boundaries": [10, 20], "warmup": 2}}"#)
        #expect([0, 1, 9, 10, 25].map(steps.value) == [0.5, 1, 1, 0.1, 0.01])
        #expect(!steps.isAlwaysZero && ScheduledScalar.constant(0).isAlwaysZero)
    }

    @Test func schedulesRoundTripThroughJSON() throws {
        for value: ScheduledScalar in [.constant(3), .linear(from: 1, to: 2, steps: 5, warmup: 0), .cosine(from: 1, to: 0, steps: 9, warmup: 3),
                                       .piecewise(values: [1, 2], boundaries: [4], warmup: 0)] {
            let data = try JSONEncoder().encode(Holder(rate: value))
            #expect(try JSONDecoder().decode(Holder.self, from: data).rate == value)
        }
    }

    @Test func malformedSchedulesAreRefusedWithTheKey() {
        for bad in [#"{"rate": {"schedule": "exponential", "to": 1, "steps": 3}}"#,
                    #"{"rate": {"schedule": "linear", "from": 1, "to": 2}}"#,
                    #"{"rate": {"schedule": "linear", "from": 1, "to": 2, "steps": 0}}"#,
                    #"{"rate": {"schedule": "linear", "from": 1, "to": 2, "steps": 3, "step": 4}}"#,
                    #"{"rate": {"schedule": "steps", "values": [1, 2], "boundaries": [3, 4]}}"#, #"{"rate": "fast"}"#] {
            do {
                _ = try Self.decode(bad)
                Issue.record("accepted \(bad)")
            } catch let error as ConfigurationError {
                #expect(error.location.contains("rate"), "\(bad): \(error)")
            } catch {
                Issue.record("\(bad): \(error)")
            }
        }
    }
}
