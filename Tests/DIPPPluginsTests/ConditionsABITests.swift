import DIPPComponents
import DIPPDiffusion
import DIPPPlugins
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// ABI 1.1/1.2: plugins receive every condition modality and the prompt strings; plugins built
/// against 1.0 keep working.
@Suite struct ConditionsABITests {
    static func fixture(_ name: String) throws -> PluginReward {
        let path = try #require(PluginHostTests.builtPlugin(name), "lib\(name).so is built by `swift build`")
        return try PluginReward(library: PluginLibrary(path: path))
    }

    /// Text `[3]` and camera `[2]` for three samples, the last one null.
    static let conditions = Conditions(count: 3, labels: [1, 2, Conditions.nullLabel],
                                       text: TextEmbedding(dimension: 3, pooled: [1, 2, 3, -1, 0.5, 0, 4, 4, 4]),
                                       camera: CameraPose(dimension: 2, values: [0.5, 9, -2, 9, 3, 9]),
                                       isNull: [false, false, true])

    /// `r = t·mean(x) + p₀·x₀` with `t = Σ text` (0 when null), exactly as the fixture's closed form.
    @Test func aVersion11PluginReceivesTextEmbeddingsAndCameras() throws {
        let reward = try Self.fixture("FixtureConditions")
        #expect(reward.readsAllConditions && reward.library.abiMinor == 2)
        #expect(reward.conditionNeeds.description == "labels, text [3], camera [2]")
        let x: [Float] = [1, 2, 3, 4, 0, 0, 0, 8, -1, 1, -1, 1]
        let (rewards, gradients) = try reward.evaluate(x, conditions: Self.conditions)
        let t: [Float] = [6, -0.5, 0], p0: [Float] = [0.5, -2, 3]
        for n in 0..<3 {
            let mean = (0..<4).map { x[n * 4 + $0] }.reduce(0, +) / 4
            #expect(Swift.abs(rewards[n] - (t[n] * mean + p0[n] * x[n * 4])) < 1e-6, "sample \(n): \(rewards[n])")
            for i in 0..<4 { #expect(Swift.abs(gradients[n * 4 + i] - (t[n] / 4 + (i == 0 ? p0[n] : 0))) < 1e-6) }
        }
        // Through the RewardModel adapter, on the tape: ∇ₓr matches central differences.
        let input = Tensor(shape: [3, 4], storage: x)
        let check = GradientCheck.check([input]) { reward.reward($0[0], conditions: Self.conditions) }
        #expect(check.passed, "\(check)")
        // Without the text it needs, the plugin refuses and the adapter reports NaN with its message.
        let labelsOnly = reward.reward(input, conditions: Conditions(labels: [1, 2, 3]))
        #expect(labelsOnly.storage.allSatisfy(\.isNaN) && reward.lastError?.what.contains("needs text [3]") == true)
    }

    /// ABI 1.2: the prompt strings reach a C plugin (`r` gains `0.01·len(prompt)`) and a Swift
    /// SDK plugin (through `Conditions.text.prompts`); without prompts both see none.
    @Test func prompts12ReachCAndSwiftPlugins() throws {
        let prompts = ["a bold three", "", "seven"]
        let c = Self.conditions
        let withPrompts = Conditions(count: 3, labels: c.labels, text: TextEmbedding(dimension: 3, pooled: c.text!.pooled, prompts: prompts),
                                     camera: c.camera, isNull: c.isNull)
        let fixture = try Self.fixture("FixtureConditions")
        let x: [Float] = [1, 2, 3, 4, 0, 0, 0, 8, -1, 1, -1, 1]
        let (plain, _) = try fixture.evaluate(x, conditions: c)
        let (read, gradients) = try fixture.evaluate(x, conditions: withPrompts)
        let (_, plainGradients) = try fixture.evaluate(x, conditions: c)
        for n in 0..<3 { #expect(Swift.abs(read[n] - plain[n] - 0.01 * Float(prompts[n].count)) < 1e-6, "sample \(n)") }
        #expect(gradients == plainGradients)

        let swift = try Self.fixture("FixtureSwiftPrompts")
        #expect(swift.library.abiMinor == 2)
        let text = Conditions(count: 2, labels: [0, 1], text: TextEmbedding(dimension: 2, pooled: [0, 0, 0, 0], prompts: ["four", "a seven"]),
                              isNull: [false, false])
        let r = swift.reward(Tensor(shape: [2, 2], storage: [1, 3, 0, 0]), conditions: text).storage
        #expect(Swift.abs(r[0] - 2.04) < 1e-6 && Swift.abs(r[1] - 0.07) < 1e-6, "\(r)")
        let none = Conditions(count: 2, labels: [0, 1], text: TextEmbedding(dimension: 2, pooled: [0, 0, 0, 0]), isNull: [false, false])
        #expect(swift.reward(Tensor(shape: [2, 2], storage: [1, 3, 0, 0]), conditions: none).storage == [2, 0])
    }

    /// A plugin built against 1.0 (1.0's table and descriptor sizes) loads, reads labels only,
    /// and ignores text and cameras in the conditions it is given.
    @Test func aVersion10PluginKeepsWorking() throws {
        let reward = try Self.fixture("FixtureGood")
        #expect(!reward.readsAllConditions && reward.library.abiMinor == 0)
        #expect(reward.conditionNeeds.textDimension == 0 && reward.conditionNeeds.cameraDimension == 0)
        let x = Tensor(shape: [3, 4], storage: [1, 2, 3, 4, 0, 0, 0, 8, -1, 1, -1, 1])
        let withText = reward.reward(x, conditions: Self.conditions).storage
        let labels = reward.reward(x, conditions: Conditions(labels: [1, 2, Conditions.nullLabel])).storage
        #expect(withText == labels && withText[0] == -(1 + 4 + 9 + 16) / 4)
    }

    /// The conditions a denoiser reads: text through a projection (a learned null vector for
    /// null samples), the camera through Fourier features; gradients flow to every weight.
    @Test func conditionEncoderReadsTextAndCamera() throws {
        var rng = RandomStream(seed: 5)
        let configuration = DenoiserConfiguration(sampleShape: [4], classCount: 3, hidden: [16], embeddingDimension: 8,
                                                  textDimension: 3, cameraDimension: 2)
        let denoiser = try! Components.standard().denoiser(configuration, rng: &rng)
        #expect(denoiser.namedParameters.map(\.name).contains("network.text_null"))
        let x = Tensor.randomNormal([3, 4], using: &rng)
        let sigma = Tensor(shape: [3], storage: [0.5, 1, 2])
        let base = denoiser.denoise(x, sigma: sigma, conditions: Self.conditions).storage
        // Changing a null sample's text changes nothing; changing a conditional one's does.
        let otherText = TextEmbedding(dimension: 3, pooled: [1, 2, 3, -1, 0.5, 0, 7, 7, 7])
        let nullChanged = Conditions(count: 3, labels: Self.conditions.labels, text: otherText, camera: Self.conditions.camera,
                                     isNull: Self.conditions.isNull)
        #expect(denoiser.denoise(x, sigma: sigma, conditions: nullChanged).storage == base)
        let moved = Conditions(count: 3, labels: Self.conditions.labels, text: TextEmbedding(dimension: 3, pooled: [0, 0, 0, -1, 0.5, 0, 4, 4, 4]),
                               camera: Self.conditions.camera, isNull: Self.conditions.isNull)
        #expect(Array(denoiser.denoise(x, sigma: sigma, conditions: moved).storage[0..<4]) != Array(base[0..<4]))
        let check = GradientCheck.check([x]) { denoiser.denoise($0[0], sigma: sigma, conditions: Self.conditions) }
        #expect(check.passed, "\(check)")
        let named = denoiser.namedParameters.filter { $0.name.contains("text_") || $0.name.contains("camera_") }
        let output = denoiser.denoise(x, sigma: sigma, conditions: Self.conditions).sum()
        let grads = Tensor.gradients(of: output, withRespectTo: named.map(\.tensor))
        for (p, g) in zip(named, grads) { #expect(g.storage.contains { $0 != 0 }, "no gradient reaches \(p.name)") }
        // CFG's null branch keeps the camera and marks the text null.
        let nulled = Self.conditions.nulled
        #expect(nulled.camera == Self.conditions.camera && nulled.isNull.allSatisfy { $0 } && nulled.labels.allSatisfy { $0 == Conditions.nullLabel })
    }
}
