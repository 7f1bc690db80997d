import Foundation
import PackagePlugin

/// A SwiftPM build-tool plugin: `swift build` builds the Rust plugin crates in `Plugins/` with
/// `cargo build --offline --release` (they have no dependencies) and records where each library
/// is in a generated Swift file of the target it is applied to (`RustPlugins`). Without cargo
/// the build goes on: the command prints a warning and records `nil`, and the tests that need
/// the Rust plugin say they are skipped and why.
@main struct CargoBuild: BuildToolPlugin {
    /// Crate folder under `Plugins/`, the library cargo builds, and the Swift name it gets.
    static let crates = [(folder: "RustBorderReward", library: "libdipp_border_reward.so", name: "borderReward")]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let work = context.pluginWorkDirectoryURL
        return Self.crates.map { crate in
            let folder = context.package.directoryURL.appendingPathComponent("Plugins/\(crate.folder)")
            let output = work.appendingPathComponent("\(crate.folder)Library.swift")
            let built = work.appendingPathComponent("target/release/\(crate.library)").path
            let script = """
            set -e
            cargo="$(command -v cargo || true)"
            if [ -z "$cargo" ] && [ -x "${HOME:-/root}/.cargo/bin/cargo" ]; then cargo="${HOME:-/root}/.cargo/bin/cargo"; fi
            if [ -n "$cargo" ]; then
              "$cargo" build --offline --release --quiet --manifest-path '\(folder.path)/Cargo.toml' --target-dir '\(work.path)/target'
              echo 'extension RustPlugins { static let \(crate.name)Path: String? = "\(built)" }' > '\(output.path)'
            else
              echo "warning: cargo not found: the Rust plugin Plugins/\(crate.folder) is not built (apt-get install cargo)" >&2
              echo 'extension RustPlugins { static let \(crate.name)Path: String? = nil }' > '\(output.path)'
            fi
            """
            return .buildCommand(displayName: "cargo build --offline --release (Plugins/\(crate.folder))",
                                 executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script],
                                 inputFiles: [folder.appendingPathComponent("Cargo.toml"), folder.appendingPathComponent("src/lib.rs")],
                                 outputFiles: [output])
        }
    }
}
