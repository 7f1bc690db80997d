import DIPPPlugins
import Foundation
import Testing

/// `dipp plugin new reward|generator --lang c|swift|rust NAME`: every scaffold builds with its
/// own `build.sh` and passes `dipp plugin validate` exactly as generated. The Swift scaffolds
/// build a package that depends on this checkout (about 30 s each); the Rust ones need cargo.
@Suite(.serialized) struct ScaffoldTests {
    func scaffoldBuildsAndValidates(kind: String, language: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-scaffold-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let dipp = try ValidatorTests.executable()
        let name = "My\(language.capitalized)\(kind.capitalized)"
        let created = try TestSupport.run(dipp, ["plugin", "new", kind, "--lang", language, name, "--output", folder.path])
        #expect(created.status == 0, "\(created.output)")
        let plugin = folder.appendingPathComponent(name)
        let built = try TestSupport.run("/bin/bash", [plugin.appendingPathComponent("build.sh").path],
                                 extraPath: RustPluginTests.cargo.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path })
        #expect(built.status == 0, "build.sh failed:\n\(built.output)")
        let library = plugin.appendingPathComponent("lib\(name).so").path
        let report = try PluginValidator.validateInChildProcess(path: library, executable: dipp, timeout: 30)
        #expect(report.passed, "\(name): \(report.failures)")
        #expect(report.checks.contains { $0.name == (kind == "reward" ? "gradient" : "vjp") && $0.passed })
        // The manifest `dipp plugin list` reads agrees with the library.
        let manifest = try #require(PluginManifest.discover(in: [folder]).first?.manifest)
        let loaded = try PluginLibrary(path: library)
        #expect(manifest.id == loaded.id && manifest.library == "lib\(name).so")
        #expect(manifest.capabilities.allSatisfy { loaded.capability($0) != nil })
    }

    @Test(arguments: ["reward", "generator"])
    func cScaffold(_ kind: String) throws { try scaffoldBuildsAndValidates(kind: kind, language: "c") }

    @Test(.enabled(if: RustPluginTests.cargo != nil, "cargo is not installed: the Rust scaffolds cannot be built"), arguments: ["reward", "generator"])
    func rustScaffold(_ kind: String) throws { try scaffoldBuildsAndValidates(kind: kind, language: "rust") }

    @Test(arguments: ["reward", "generator"])
    func swiftScaffold(_ kind: String) throws { try scaffoldBuildsAndValidates(kind: kind, language: "swift") }

    @Test func badNamesAndExistingFoldersAreRefused() throws {
        let dipp = try ValidatorTests.executable()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-scaffold-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = try TestSupport.run(dipp, ["plugin", "new", "reward", "--lang", "c", "9lives", "--output", folder.path])
        #expect(bad.status != 0 && bad.output.contains("not a plugin name"), "\(bad.output)")
        #expect(try TestSupport.run(dipp, ["plugin", "new", "reward", "--lang", "c", "Ink", "--output", folder.path]).status == 0)
        let again = try TestSupport.run(dipp, ["plugin", "new", "reward", "--lang", "c", "Ink", "--output", folder.path])
        #expect(again.status != 0 && again.output.contains("already exists"), "\(again.output)")
    }
}
