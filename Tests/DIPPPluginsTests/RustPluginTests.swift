import DIPPDiffusion
import DIPPPlugins
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// The Rust reward plugin (`Plugins/RustBorderReward`, a `cdylib` with no crates): built with
/// `cargo build --offline`, validated, and used for alignment. Skipped, saying why, when cargo
/// is not installed (CI machines have it).
@Suite(.serialized) struct RustPluginTests {
    static let cargo: String? = ["/usr/local/cargo/bin/cargo", "/root/.cargo/bin/cargo", "/usr/bin/cargo"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/cargo" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }

    static let built: Result<String, Error> = Result {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-rust-target")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cargo!)
        process.arguments = ["build", "--offline", "--release", "--manifest-path",
                             root.appendingPathComponent("Plugins/RustBorderReward/Cargo.toml").path, "--target-dir", target.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PluginError(.notLoadable, location: "cargo", what: "cargo build failed", hint: "run it by hand") }
        return target.appendingPathComponent("release/libdipp_border_reward.so").path
    }

    @Test(.enabled(if: cargo != nil, "cargo is not installed: the Rust plugin cannot be built"))
    func rustRewardPluginValidatesAndRaisesItsReward() throws {
        let path = try Self.built.get()
        let report = try PluginValidator.validateInChildProcess(path: path, executable: ValidatorTests.executable(), timeout: 10)
        #expect(report.passed, "\(report.failures)")
        let (before, after) = try RewardAlignment.meanReward(aligningWith: PluginReward(library: PluginLibrary(path: path)),
                                                             named: "plugin:rust-border", rewardScale: 5)
        #expect(after > before + 0.1 * Swift.abs(before), "mean border reward \(before) → \(after)")
    }
}
