import DIPPTensor
import Foundation
import Testing

/// Philox known answers, determinism, thread-count independence and distribution moments.
@Suite struct RandomTests {
    /// Random123's `tests/kat_vectors`, the three `philox4x32 10` lines (counter, key → output).
    @Test func philoxKnownAnswers() {
        let zero = Philox.block(counter: (0, 0, 0, 0), key: (0, 0))
        #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let ones = Philox.block(counter: (.max, .max, .max, .max), key: (.max, .max))
        #expect([ones.0, ones.1, ones.2, ones.3] == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        let pi = Philox.block(counter: (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), key: (0xa409_3822, 0x299f_31d0))
        #expect([pi.0, pi.1, pi.2, pi.3] == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    @Test func sameSeedSameNumbers() {
        var a = RandomStream(seed: 42), b = RandomStream(seed: 42)
        #expect(a.normal(1000) == b.normal(1000))
        #expect(a.uniform(7) == b.uniform(7))
        #expect(a == b)
        var c = RandomStream(seed: 43), d = RandomStream(seed: 42)
        #expect(c.normal(8) != d.normal(8))
    }

    @Test func drawsDependOnlyOnBlockPosition() {
        // One draw of 12 equals three draws of 4: element i always comes from block i/4, so
        // splitting a draw across threads by blocks cannot change the numbers.
        var whole = RandomStream(seed: 5), parts = RandomStream(seed: 5)
        let all = whole.normal(12)
        #expect(all == parts.normal(4) + parts.normal(4) + parts.normal(4))
        var resumed = RandomStream(seed: 5, position: 2)
        #expect(Array(all[8..<12]) == resumed.normal(4))
    }

    @Test func substreamsDiffer() {
        var a = RandomStream(seed: 1).substream(1), b = RandomStream(seed: 1).substream(2)
        #expect(a.uniform(4) != b.uniform(4))
    }

    @Test func moments() {
        var rng = RandomStream(seed: 2024)
        let n = 200_000
        let u = rng.uniform(n).map(Double.init)
        #expect(u.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(Swift.abs(u.reduce(0, +) / Double(n) - 0.5) < 0.005)
        let z = rng.normal(n).map(Double.init)
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        // Standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032; allow 4 of them.
        #expect(Swift.abs(mean) < 0.009)
        #expect(Swift.abs(variance - 1) < 0.013)
        let logs = rng.logNormal(n, mean: -1.2, std: 1.2).map { Foundation.log(Double($0)) }
        let logMean = logs.reduce(0, +) / Double(n)
        #expect(Swift.abs(logMean + 1.2) < 0.011)
    }

    @Test func permutationIsAPermutation() {
        var rng = RandomStream(seed: 9)
        let p = rng.permutation(100)
        #expect(p.sorted() == Array(0..<100))
        #expect(p != Array(0..<100))
    }
}
