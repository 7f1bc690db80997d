import DIPPDiffusion
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// The plugin host against the shipped C reward plugin and against files that are not plugins.
@Suite(.serialized) struct PluginHostTests {
    /// A plugin library built by SwiftPM.
    static func builtPlugin(_ name: String) -> String? { TestSupport.builtProduct("lib\(name).so") }

    static func symmetry() throws -> PluginReward {
        let path = try #require(builtPlugin("SymmetryReward"), "libSymmetryReward.so is built by `swift build`")
        return try PluginReward(library: PluginLibrary(path: path))
    }

    @Test func cRewardPluginLoadsAndMatchesItsFormula() throws {
        let reward = try Self.symmetry()
        #expect(reward.library.id == "dipp.example.symmetry" && reward.sampleShape == [64])
        var rng = RandomStream(seed: 2)
        let x = Tensor.randomUniform([3, 64], in: -1...1, using: &rng)
        let values = reward.reward(x, conditions: Conditions(labels: [0, 1, 2])).storage
        for n in 0..<3 {
            var total = 0.0
            for row in 0..<8 { for col in 0..<4 {
                let d = Double(x.storage[n * 64 + row * 8 + col]) - Double(x.storage[n * 64 + row * 8 + 7 - col])
                total += d * d
            } }
            #expect(Swift.abs(Double(values[n]) + total / 32) < 1e-5)
        }
        let report = GradientCheck.check([x]) { reward.reward($0[0], conditions: Conditions(labels: [0, 1, 2])) }
        #expect(report.passed, "∇r of the plugin: \(report)")
    }

    /// `dipp plugin list` reads manifests only; each shipped manifest must agree with the plugin.
    @Test func manifestsDescribeTheShippedPlugins() throws {
        let plugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Plugins")
        let found = PluginManifest.discover(in: [plugins])
        #expect(Set(found.map(\.manifest.id)) == ["dipp.example.symmetry", "dipp.example.swift-classifier", "dipp.example.rust-border", "dipp.example.style-generator",
                                                      "dipp.example.warmth", "dipp.example.nerf-generator"])
        for (_, manifest) in found where manifest.language != "rust" {
            let name = String(manifest.library.dropFirst(3).dropLast(3))
            let library = try PluginLibrary(path: try #require(Self.builtPlugin(name)))
            #expect(library.id == manifest.id && library.version == manifest.version)
            #expect(manifest.capabilities.allSatisfy { library.capability($0) != nil })
        }
    }

    @Test func filesThatAreNotPluginsGiveSpecificErrors() throws {
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-not-elf-\(UUID()).so")
        try "not a library".write(to: text, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: text) }
        func kind(_ path: String) -> PluginError.Kind? {
            do { _ = try PluginLibrary(path: path); return nil } catch let e as PluginError { return e.kind } catch { return nil }
        }
        #expect(kind(text.path) == .notLoadable)
        #expect(kind("/nonexistent/plugin.so") == .notLoadable)
        let zlib = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"].first { FileManager.default.fileExists(atPath: $0) }
        if let zlib { #expect(kind(zlib) == .missingEntry) }
        let plugin = try PluginLibrary(path: try #require(Self.builtPlugin("SymmetryReward")))
        #expect(plugin.capability("dipp.generator/1") == nil)
        #expect(plugin.capability("dipp.unknown/7") == nil)
        #expect(throws: PluginError.self) { try PluginReward(library: plugin, hyperparameters: [-5]) }
    }

    /// Aligning a one-step digits generator with a plugin's reward raises that reward — the C
    /// plugin and the Swift one (written with the SDK).
    @Test(arguments: [("SymmetryReward", Float(1)), ("SwiftClassifierReward", Float(1))])
    func aligningWithThePluginRewardRaisesIt(_ plugin: (name: String, scale: Float)) throws {
        let path = try #require(Self.builtPlugin(plugin.name))
        let (before, after) = try RewardAlignment.meanReward(aligningWith: PluginReward(library: PluginLibrary(path: path)),
                                                             named: "plugin:\(plugin.name)", rewardScale: plugin.scale)
        #expect(after > before + 0.1 * Swift.abs(before), "\(plugin.name): mean reward \(before) → \(after)")
    }
}
