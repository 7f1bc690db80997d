import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Foundation
import Testing

/// diffusers `UNet2DModel`s DIPP imports, against diffusers itself: the fixtures under
/// `Tests/Reference/diffusers/` (made by `Tests/Reference/diffusers_reference.py` with
/// diffusers 0.42.1 on the CPU build of torch) hold tiny random models in both folder layouts,
/// with and without attention and class tables, every prediction type and β schedule, fp32,
/// fp16 and bf16 weights, and the x₀ diffusers' model predicts at each of its own levels.
@Suite struct DiffusersParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Reference/diffusers")
    static let build: DenoiserNetworks.Build = { UNet2DNetwork($0.resolvedUNet2D, classCount: $0.classCount, rng: &$1) }

    static var cases: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
        return names.sorted().map { fixtures.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("reference.safetensors").path) }
    }

    /// At every recorded level `t`: `D(x_t/√ᾱ_t; σ_t) = x̂₀` within ‖Δ‖/‖ref‖ ≤ 1e-4, and the
    /// schedule's `ᾱ` equals the scheduler's.
    @Test func fixturesArePresent() { #expect(Self.cases.count >= 5, "the fixtures under Tests/Reference/diffusers are missing") }

    @Test(arguments: cases)
    func denoiserEqualsDiffusersAtEveryLevel(_ folder: URL) throws {
        do {
            let name = folder.lastPathComponent
            let model = try DiffusersFolder.load(folder, build: Self.build)
            let reference = try SafeTensors.read(contentsOf: folder.appendingPathComponent("reference.safetensors"))
            let schedule = try #require(model.configuration.schedule)
            let alphas = try reference.tensor("alphas_cumprod").storage
            #expect(alphas.count == schedule.alphasCumprod.count, "\(name)")
            let worstAlpha = zip(alphas, schedule.alphasCumprod).map { abs(Double($0) - $1) / $1 }.max() ?? 0
            #expect(worstAlpha < 2e-5, "\(name): ᾱ differs from the scheduler's by \(worstAlpha) (relative)")
            let xt = try reference.tensor("sample"), timesteps = try reference.tensor("timesteps").storage.map { Int($0) }
            let n = xt.shape[0]
            let labels = try reference.tensors["class_labels"].map { $0.storage.map { Int($0) } } ?? [Int](repeating: Conditions.nullLabel, count: n)
            let sigmas = timesteps.map { schedule.sigmas[$0] }
            for (t, s) in zip(timesteps, sigmas) { #expect(abs(schedule.timestep(sigma: s) - Double(t)) < 1e-9, "\(name): level \(t)") }
            let scale = Tensor(shape: [n, 1, 1, 1], storage: sigmas.map { Float((1 + $0 * $0).squareRoot()) })
            let denoised = withoutGradients {
                model.denoise(xt * scale, sigma: Tensor(shape: [n], storage: sigmas.map(Float.init)), conditions: Conditions(labels: labels))
            }
            let expected = try reference.tensor("x0")
            let size = expected.count / n
            for i in 0..<n {
                let got = denoised.storage[(i * size)..<((i + 1) * size)], want = expected.storage[(i * size)..<((i + 1) * size)]
                let error = zip(got, want).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
                let norm = want.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
                #expect(error / norm <= 1e-4, "\(name): level \(timesteps[i]), ‖Δ‖/‖ref‖ = \(error / norm)")
            }
        }
    }

    /// The imported network's gradients — in the input and in its weights (convolutions,
    /// attention, the class table) — against central differences.
    @Test(arguments: cases)
    func importedNetworkPassesTheGradientCheck(_ folder: URL) throws {
        do {
            let model = try DiffusersFolder.load(folder, build: Self.build)
            let shape = model.sampleShape, n = 2
            var rng = RandomStream(seed: 3)
            let x = Tensor.randomNormal([n] + shape, using: &rng)
            let sigma = Tensor(shape: [n], storage: [0.7, 3])
            let classes = model.configuration.unet2d?.numClassEmbeds
            let conditions = Conditions(labels: classes == nil ? [Conditions.nullLabel, Conditions.nullLabel] : [0, 1])
            let input = GradientCheck.check([x], absoluteTolerance: 2e-2, relativeTolerance: 3e-2, elementsPerInput: 24) {
                model.denoise($0[0], sigma: sigma, conditions: conditions)
            }
            #expect(input.passed, "\(folder.lastPathComponent), ∂D/∂x: \(input)")
            let chosen = model.namedParameters.filter { p in ["conv_in.weight", "to_q.weight", "class_embedding", "time_emb_proj.weight"].contains { p.name.contains($0) } }
            let weights = GradientCheck.checkInPlace(chosen.map(\.tensor), absoluteTolerance: 2e-2, relativeTolerance: 3e-2, elementsPerInput: 8) {
                model.denoise(x, sigma: sigma, conditions: conditions)
            }
            #expect(chosen.count >= 3 && weights.passed, "\(folder.lastPathComponent), ∂D/∂θ (\(chosen.map(\.name))): \(weights)")
        }
    }

    /// What DIPP cannot honour is refused, naming the field or file.
    @Test func refusesWhatItCannotHonour() throws {
        let source = try #require(Self.cases.first)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-diffusers-refusals-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.copyItem(at: source, to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try DiffusersFolder.layout(of: folder).config
        let original = try Data(contentsOf: config)
        func refusal() -> String {
            do { _ = try DiffusersFolder.load(folder, build: Self.build); return "accepted" } catch { return "\(error)" }
        }
        func expectRefusal(_ edit: (inout [String: Any]) -> Void, mentioning text: String) throws {
            var object = try #require(JSONSerialization.jsonObject(with: original) as? [String: Any])
            edit(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: config)
            let message = refusal()
            #expect(message.contains(text), "\(message)")
        }
        try expectRefusal({ $0["down_block_types"] = ["CrossAttnDownBlock2D", "DownBlock2D"] }, mentioning: "down_block_types")
        try expectRefusal({ $0["act_fn"] = "mish" }, mentioning: "act_fn")
        try expectRefusal({ $0["class_embed_type"] = "timestep" }, mentioning: "class_embed_type")
        try expectRefusal({ $0["upsample_type"] = "resnet" }, mentioning: "upsample_type")
        try expectRefusal({ $0["cross_attention_dim"] = 64 }, mentioning: "cross_attention_dim")
        try original.write(to: config)
        let scheduler = try #require(DiffusersFolder.layout(of: folder).scheduler)
        let schedulerOriginal = try Data(contentsOf: scheduler)
        var schedulerObject = try #require(JSONSerialization.jsonObject(with: schedulerOriginal) as? [String: Any])
        schedulerObject["prediction_type"] = "flow"
        try JSONSerialization.data(withJSONObject: schedulerObject).write(to: scheduler)
        #expect(refusal().contains("prediction_type"))
        try schedulerOriginal.write(to: scheduler)
        try FileManager.default.moveItem(at: DiffusersFolder.layout(of: folder).weights, to: folder.appendingPathComponent("diffusion_pytorch_model.bin"))
        #expect(refusal().contains("pickle"))
    }
}
