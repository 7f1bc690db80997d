import DIPPDiffusion
import DIPPPlugins
import DIPPRender
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// The NeRF-style C generator plugin (`Plugins/NeRFGenerator`): cameras through the ABI's
/// conditions, its hand-written VJP, its `dipp.field/1` queries, and its ray marching against
/// DIPP's own renderer.
@Suite struct NeRFPluginTests {
    static func nerf(_ settings: [String: Double] = [:]) throws -> PluginGenerator {
        let path = try #require(PluginHostTests.builtPlugin("NeRFGenerator"), "libNeRFGenerator.so is built by `swift build`")
        return try PluginGenerator(library: PluginLibrary(path: path), settings: settings, seed: 4)
    }

    static func views(_ cameras: [[Float]]) -> Conditions {
        Conditions(count: cameras.count, camera: CameraPose(dimension: 2, values: cameras.flatMap { $0 }), isNull: [Bool](repeating: false, count: cameras.count))
    }

    @Test func passesTheValidator() throws {
        let report = try ValidatorTests.validate("NeRFGenerator", timeout: 600)
        #expect(report.passed, "\(report.failures)")
        #expect(Set(report.checks.map(\.name)).isSuperset(of: ["generator-table", "vjp", "field", "deterministic", "thread-stress"]))
    }

    @Test func hostAdapterVJPMatchesCentralDifferences() throws {
        let generator = try Self.nerf(["width": 8, "frequencies": 2, "samples": 6])
        let conditions = Self.views([[0.3, 0.4], [-0.8, 0.1]])
        let report = GradientCheck.check([generator.params], absoluteTolerance: 1e-2, relativeTolerance: 2e-2, elementsPerInput: 120) {
            generator(params: $0[0], Tensor.zeros([2, 1]), conditions: conditions)
        }
        #expect(report.passed, "\(report)")
    }

    /// The plugin's own ray marching equals DIPP's renderer reading the plugin's field through
    /// `dipp.field/1` on the same rig (distance 3, field of view 0.7, white, the same samples).
    @Test func rayMarchingAgreesWithDIPPsRenderer() throws {
        let generator = try Self.nerf(["samples": 12])
        #expect(generator.answersFieldQueries)
        let cameras: [[Float]] = [[0.25, 0.3], [-0.9, 0.05], [0.6, 0.8]]
        let plugin = generator(Tensor.zeros([3, 1]), conditions: Self.views(cameras))
        let renderer = VolumeRenderer(imageSize: 16, samplesPerRay: 12, cameraDistance: 3, fieldOfView: 0.7, background: 1)
        let host = renderer.render(cameras.map { renderer.camera(conditionVector: $0[...]) }) { points in
            let (density, colour) = try! generator.field(at: points.storage)
            return (Tensor(shape: [density.count], storage: density), Tensor(shape: [density.count, 3], storage: colour))
        }.image * 2 - 1
        let worst = zip(plugin.storage, host.storage).map { Swift.abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "largest difference \(worst)")
        // The blob: denser at the centre than at a corner, colours in [0, 1].
        let (density, colour) = try generator.field(at: [0, 0, 0, 0.95, 0.95, 0.95])
        #expect(density[0] > 10 * density[1])
        #expect(colour.allSatisfy { (0...1).contains($0) })
    }
}
