import DIPPPlugins
import Foundation
import Testing

/// `dipp plugin validate` on the shipped plugin and on one broken fixture per defect: each gets
/// its own diagnosis, and the host (this process) survives all of them.
@Suite(.serialized) struct ValidatorTests {
    static func executable() throws -> String {
        try #require(TestSupport.builtProduct("dipp"), "the dipp executable is built by `swift build`")
    }

    /// Validates a built plugin. The time limit is generous (a plugin that trains a model when
    /// created is slow on a busy machine); only the hang test wants it short.
    static func validate(_ name: String, timeout: Double = 120, memoryLimitMiB: Int = PluginValidator.defaultMemoryLimitMiB) throws
        -> PluginValidator.Report {
        let path = try #require(PluginHostTests.builtPlugin(name), "lib\(name).so is built by `swift build`")
        return try PluginValidator.validateInChildProcess(path: path, executable: executable(), timeout: timeout, memoryLimitMiB: memoryLimitMiB)
    }

    /// `FixtureGood` is built exactly as against ABI 1.0 (1.0's table sizes, minor 0);
    /// `FixtureConditions` is an ABI 1.1 reward that reads text and cameras.
    @Test(arguments: ["SymmetryReward", "WarmthReward", "SwiftClassifierReward", "FixtureGood", "FixtureConditions"])
    func goodPluginsPass(_ name: String) throws {
        let report = try Self.validate(name)
        #expect(report.passed, "\(report.failures)")
        #expect(Set(report.checks.map(\.name)).isSuperset(of: ["load", "negotiation", "unknown-capability", "reward-table",
                                                             "bounds", "rejects-bad-arguments", "finite-output", "gradient", "batch-independent",
                                                             "deterministic"]))
    }

    @Test(arguments: [("BrokenNaN", "finite-output"), ("BrokenWrongGradient", "gradient"), ("BrokenWrongMajor", "load"),
                      ("BrokenSmallTable", "reward-table"), ("BrokenAcceptsAnything", "rejects-bad-arguments")])
    func brokenPluginsFailTheRightCheck(_ c: (name: String, check: String)) throws {
        let report = try Self.validate(c.name)
        #expect(!report.passed)
        #expect(report.checks.filter { !$0.passed }.map(\.name) == [c.check], "\(c.name): \(report.failures)")
        #expect(report.abnormalEnd == nil)
    }

    @Test func crashingPluginIsReportedNotFatal() throws {
        let report = try Self.validate("BrokenSegfault")
        #expect(report.abnormalEnd?.hasPrefix("crash") == true && report.abnormalEnd?.contains("SIGSEGV") == true, "\(report.failures)")
    }

    /// A write one float past the host's rewards buffer hits a guard page: diagnosed as `bounds`,
    /// before any unguarded call could corrupt the heap.
    @Test func writingPastAHostBufferIsDiagnosed() throws {
        let report = try Self.validate("BrokenOverflow")
        #expect(report.checks.filter { !$0.passed }.map(\.name) == ["bounds"], "\(report.failures)")
        #expect(report.checks.first { $0.name == "bounds" }?.detail.contains("past the end of the host's rewards buffer") == true)
        #expect(report.abnormalEnd?.contains("after check 'bounds'") == true, "\(report.failures)")
    }

    /// A plugin that allocates without bound meets the child's memory limit, and the crash that
    /// follows is diagnosed as `memory`.
    @Test func unboundedAllocationIsDiagnosed() throws {
        let report = try Self.validate("BrokenAllocates", memoryLimitMiB: 512)
        #expect(report.checks.filter { !$0.passed }.map(\.name) == ["memory"], "\(report.failures)")
        #expect(report.abnormalEnd?.hasPrefix("crash") == true)
    }

    @Test func hangingPluginIsKilledAfterTheTimeLimit() throws {
        let start = Date()
        let report = try Self.validate("BrokenHang", timeout: 5)
        #expect(report.abnormalEnd?.hasPrefix("timeout") == true, "\(report.failures)")
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test func filesThatAreNotPluginsFailLoading() throws {
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-not-elf-\(UUID()).so")
        try "not a library".write(to: text, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: text) }
        let report = try PluginValidator.validateInChildProcess(path: text.path, executable: Self.executable(), timeout: 5)
        #expect(report.checks.first?.name == "load" && report.checks.first?.passed == false)
        #expect(report.checks.first?.detail.hasPrefix("notLoadable") == true)
        if FileManager.default.fileExists(atPath: "/lib/x86_64-linux-gnu/libz.so.1") {
            let zlib = try PluginValidator.validateInChildProcess(path: "/lib/x86_64-linux-gnu/libz.so.1", executable: Self.executable(), timeout: 5)
            #expect(zlib.checks.first?.detail.hasPrefix("missingEntry") == true)
        }
    }
}
