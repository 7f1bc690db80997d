import DIPPDiffusion
import DIPPPlugins
import DIPPTensor
import DiffInstruct
import Foundation
import RustPlugins
import Testing

/// The Rust reward plugin (`Plugins/RustBorderReward`, a `cdylib` with no crates), built by
/// `swift build` through the `CargoBuild` build-tool plugin: validated and used for alignment.
/// Skipped, saying why, when cargo was not installed at build time (`.ci/install-dependencies`
/// installs Debian's).
@Suite(.serialized) struct RustPluginTests {
    /// A cargo for the Rust scaffolds (`dipp plugin new … --lang rust`).
    static let cargo: String? = ["/usr/local/cargo/bin/cargo", "/root/.cargo/bin/cargo", "/usr/bin/cargo"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/cargo" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: RustPlugins.borderReward != nil, "cargo was not installed when `swift build` ran: the Rust plugin was not built"))
    func rustRewardPluginValidatesAndRaisesItsReward() throws {
        let path = try #require(RustPlugins.borderReward)
        #expect(FileManager.default.fileExists(atPath: path), "swift build recorded \(path)")
        let report = try PluginValidator.validateInChildProcess(path: path, executable: ValidatorTests.executable(), timeout: 10)
        #expect(report.passed, "\(report.failures)")
        let (before, after) = try RewardAlignment.meanReward(aligningWith: PluginReward(library: PluginLibrary(path: path)),
                                                             named: "plugin:rust-border", rewardScale: 5)
        #expect(after > before + 0.1 * Swift.abs(before), "mean border reward \(before) → \(after)")
    }
}
