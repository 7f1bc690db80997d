/// The Philox4x32-10 counter-based bijection (Salmon et al., "Parallel random numbers: as easy
/// as 1, 2, 3", SC 2011): 128-bit counter and 64-bit key in, 128 random bits out.
///
/// Counter-based means block `i` of a stream is a pure function of (key, i): any block can be
/// computed independently, so the numbers never depend on how work is split across threads.
/// Verified against Random123's known-answer vectors in the tests.
public enum Philox {

    /// One 10-round evaluation of Philox4x32 on `counter` with `key`.
    @inlinable
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32) {
        var c = counter
        var k = key
        for round in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
            let (hi0, lo0) = (UInt32(truncatingIfNeeded: p0 >> 32), UInt32(truncatingIfNeeded: p0))
            let (hi1, lo1) = (UInt32(truncatingIfNeeded: p1 >> 32), UInt32(truncatingIfNeeded: p1))
            c = (hi1 ^ c.1 ^ k.0, lo1, hi0 ^ c.3 ^ k.1, lo0)
            if round < 9 { k = (k.0 &+ 0x9E37_79B9, k.1 &+ 0xBB67_AE85) }
        }
        return c
    }
}
