import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

/// A generator supplied by a plugin's `"dipp.generator/1"` table, adapted to ``Generator``.
///
/// The host owns θ: one tensor, `params` (`parameter_count` floats), filled once by the
/// plugin's `init_params(seed)` and from then on updated by the host's Adam, averaged by its
/// EMA and saved in its checkpoints — exactly as a built-in generator's weights are. A forward
/// pass calls `forward(θ, z, c)`; the result joins the tape as a custom node whose VJP calls
/// `backward(θ, z, c, v)` for `vᵀ∂x/∂θ` (and `vᵀ∂x/∂z` when asked). Non-finite outputs or a
/// failing call give NaN, which the trainer reports by step and term; ``lastError`` says why.
public final class PluginGenerator: Generator, @unchecked Sendable {
    public let library: PluginLibrary
    public let latentShape: [Int]
    public let sampleShape: [Int]
    /// Class labels the plugin understands (0 = unconditional: every label is passed as −1).
    public let classCount: Int
    public let descriptorName: String
    public let hyperparameters: [PluginHyperparameter]
    /// θ, owned by the host.
    public let params: Tensor
    let table: UnsafePointer<dipp_generator_v1>
    let instance: UnsafeMutableRawPointer
    let descriptor: dipp_generator_descriptor
    /// The last error a call reported (for diagnostics after a NaN).
    public private(set) var lastError: PluginError?

    /// An instance with `settings` (by name; defaults elsewhere; checked against the declared
    /// ranges) and θ from `init_params(seed)`.
    public convenience init(library: PluginLibrary, settings: [String: Double], seed: UInt64) throws {
        let (_, d) = try Self.table(in: library)
        let declared = PluginHyperparameter.list(d.hyperparameters, count: d.hyperparameter_count)
        try self.init(library: library, hyperparameters: PluginHyperparameter.values(settings, declared: declared, plugin: library.path), seed: seed)
    }

    /// An instance with `hyperparameters` (in the descriptor's order) and θ from `init_params(seed)`.
    public init(library: PluginLibrary, hyperparameters: [Double] = [], seed: UInt64 = 0) throws {
        self.library = library
        let (table, d) = try Self.table(in: library)
        descriptor = d
        latentShape = pluginShape(d.latent_shape, rank: d.latent_rank)
        sampleShape = pluginShape(d.sample_shape, rank: d.sample_rank)
        classCount = Int(d.class_count)
        descriptorName = d.name.map { String(cString: $0) } ?? library.name
        self.hyperparameters = PluginHyperparameter.list(d.hyperparameters, count: d.hyperparameter_count)
        guard latentShape.allSatisfy({ $0 > 0 }), sampleShape.allSatisfy({ $0 > 0 }) else {
            throw PluginError(.incompatible, location: library.path, what: "latent shape \(latentShape) or sample shape \(sampleShape) has a non-positive size",
                              hint: "fix latent_shape / sample_shape in the generator descriptor")
        }
        let made = try createInstance(table.create!, hyperparameters: hyperparameters, library: library)
        self.table = PluginABI.pinned(table)
        instance = made
        let count = table.parameter_count!(made)
        guard count >= 0 && count < (1 << 31) else {
            table.destroy?(made)
            throw PluginError(.callFailed, location: "\(library.path), parameter_count", what: "returned \(count)",
                              hint: "return the number of floats in θ")
        }
        var values = [Float](repeating: 0, count: Int(count))
        var error = [CChar](repeating: 0, count: 512)
        let initStatus = table.init_params!(made, seed, &values, count, &error, error.count)
        guard initStatus == DIPP_OK else {
            table.destroy?(made)
            throw PluginError(.callFailed, location: "\(library.path), init_params", what: "status \(initStatus.rawValue): \(pluginMessage(error))",
                              hint: "run `dipp plugin validate` on the plugin")
        }
        guard values.allSatisfy(\.isFinite) else {
            table.destroy?(made)
            throw PluginError(.nonFiniteOutput, location: "\(library.path), init_params", what: "the initial parameters contain NaN or Inf",
                              hint: "run `dipp plugin validate` on the plugin")
        }
        params = Tensor(shape: [Int(count)], storage: values, requiresGrad: true)
    }

    deinit {
        table.pointee.destroy?(instance)
        table.deallocate()
    }

    /// The library's generator table and descriptor, size-checked.
    static func table(in library: PluginLibrary) throws -> (dipp_generator_v1, dipp_generator_descriptor) {
        guard let raw = library.capability(DIPP_GENERATOR_CAPABILITY) else {
            throw PluginError(.missingCapability, location: library.path, what: "the plugin provides no \(DIPP_GENERATOR_CAPABILITY) table",
                              hint: "is this a reward plugin? use it with --reward")
        }
        let t = PluginABI.copy(raw, as: dipp_generator_v1.self)
        guard Int(t.struct_size) >= PluginABI.generatorTable10, let describe = t.describe, t.create != nil, t.destroy != nil,
              t.parameter_count != nil, t.init_params != nil, t.forward != nil, t.backward != nil else {
            throw PluginError(.tableTooSmall, location: library.path, what: "the \(DIPP_GENERATOR_CAPABILITY) table is smaller than ABI 1.0's or has NULL functions",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        guard let descriptor = describe(), Int(descriptor.pointee.struct_size) >= PluginABI.generatorDescriptor10 else {
            throw PluginError(.tableTooSmall, location: library.path, what: "the generator descriptor is missing or too small",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        return (t, PluginABI.copy(descriptor, as: dipp_generator_descriptor.self))
    }

    public var name: String { "plugin:\(descriptorName)" }
    public var namedParameters: [(name: String, tensor: Tensor)] { [("params", params)] }
    var latentCount: Int { latentShape.reduce(1, *) }
    var sampleCount: Int { sampleShape.reduce(1, *) }
    var threadSafety: UInt32 { descriptor.thread_safety }
    var declaresDeterminism: Bool { descriptor.deterministic == 1 }
    /// The modalities the plugin reads.
    public var conditionNeeds: PluginConditionNeeds { descriptor.conditionNeeds }

    /// Refuses data with more classes than the plugin understands (`AlignmentRun` already
    /// refuses another sample shape, for every generator).
    public func checkCompatible(classCount classes: Int) throws {
        guard classCount == 0 || classes <= classCount else {
            throw PluginError(.incompatible, location: library.path, what: "the generator understands \(classCount) classes, the data has \(classes)",
                              hint: "raise the plugin's class count")
        }
    }

    /// The labels as the plugin receives them.
    func labels(_ conditions: Conditions) -> [Int32] {
        conditions.labels.map { classCount == 0 ? -1 : Int32($0) }
    }

    /// Whether the plugin takes every condition modality (ABI 1.1); otherwise it sees labels only.
    public var readsAllConditions: Bool { PluginABI.hasConditions(table.pointee) }

    /// `x = g_θ(z, c)` for a batch, or a ``PluginError`` (call failure or non-finite output).
    public func forward(params theta: [Float], z: [Float], conditions: Conditions) throws -> [Float] {
        let n = conditions.count, labels = labels(conditions), t = table.pointee
        precondition(z.count == n * latentCount && theta.count == params.count, "plugin generator: buffer sizes do not match the descriptor")
        var x = [Float](repeating: 0, count: n * sampleCount)
        var error = [CChar](repeating: 0, count: 512)
        let status = PluginABI.hasConditions(t)
            ? PluginABI.withConditions(conditions, labels: labels) { t.forward_conditions!(instance, theta, z, $0, &x, &error, error.count) }
            : t.forward!(instance, theta, z, labels, Int64(n), &x, &error, error.count)
        try check(status, x, "forward", error)
        return x
    }

    /// `vᵀ∂x/∂θ` and, when `wantLatents`, `vᵀ∂x/∂z`.
    public func backward(params theta: [Float], z: [Float], conditions: Conditions, v: [Float], wantLatents: Bool) throws -> (params: [Float], z: [Float]?) {
        let n = conditions.count, labels = labels(conditions), t = table.pointee
        precondition(v.count == n * sampleCount && z.count == n * latentCount, "plugin generator: buffer sizes do not match the descriptor")
        var gradParams = [Float](repeating: 0, count: theta.count)
        var gradZ = [Float](repeating: 0, count: wantLatents ? z.count : 0)
        var error = [CChar](repeating: 0, count: 512)
        let status = gradZ.withUnsafeMutableBufferPointer { zBuffer in
            let zOut = wantLatents ? zBuffer.baseAddress : nil
            return PluginABI.hasConditions(t)
                ? PluginABI.withConditions(conditions, labels: labels) { t.backward_conditions!(instance, theta, z, $0, v, &gradParams, zOut, &error, error.count) }
                : t.backward!(instance, theta, z, labels, Int64(n), v, &gradParams, zOut, &error, error.count)
        }
        try check(status, gradParams + gradZ, "backward", error)
        return (gradParams, wantLatents ? gradZ : nil)
    }

    private func check(_ status: dipp_status, _ values: [Float], _ function: String, _ error: [CChar]) throws {
        guard status == DIPP_OK else {
            throw PluginError(.callFailed, location: "\(library.path), \(function)", what: "status \(status.rawValue): \(pluginMessage(error))",
                              hint: "run `dipp plugin validate` on the plugin")
        }
        guard values.allSatisfy(\.isFinite) else {
            throw PluginError(.nonFiniteOutput, location: "\(library.path), \(function)", what: "the plugin returned NaN or Inf",
                              hint: "run `dipp plugin validate` on the plugin")
        }
    }

    public func callAsFunction(_ z: Tensor, conditions: Conditions) -> Tensor {
        self(params: params, z, conditions: conditions)
    }

    /// `g_θ(z, c)` for a given θ tensor (``callAsFunction(_:conditions:)`` passes ``params``;
    /// gradient checks pass copies).
    public func callAsFunction(params thetaTensor: Tensor, _ z: Tensor, conditions: Conditions) -> Tensor {
        let n = z.shape[0]
        precondition(z.count == n * latentCount, "plugin generator expects latents of shape \(latentShape), got \(Array(z.shape.dropFirst()))")
        let (theta, latents) = (thetaTensor.storage, z.storage)
        var x: [Float]
        do {
            x = try forward(params: theta, z: latents, conditions: conditions)
            lastError = nil
        } catch {
            lastError = error as? PluginError
            x = [Float](repeating: .nan, count: n * sampleCount)
        }
        return Tensor.custom(shape: [n] + sampleShape, values: x, inputs: [thetaTensor, z]) { [self] v, needed in
            do {
                let g = try backward(params: theta, z: latents, conditions: conditions, v: v, wantLatents: needed[1])
                return [needed[0] ? g.params : nil, g.z]
            } catch {
                lastError = error as? PluginError
                return [needed[0] ? [Float](repeating: .nan, count: theta.count) : nil,
                        needed[1] ? [Float](repeating: .nan, count: latents.count) : nil]
            }
        }
    }
}

/// `"dipp.field/1"`: a plugin generator that renders a 3-D field answers queries of the field
/// (text-to-3D measures and meshes it through them).
extension PluginGenerator: RadianceField {
    public var answersFieldQueries: Bool { fieldTable != nil }

    /// The library's field table, size-checked (`nil` when it has none).
    var fieldTable: dipp_field_v1? {
        guard let raw = library.capability(DIPP_FIELD_CAPABILITY) else { return nil }
        let t = PluginABI.copy(raw, as: dipp_field_v1.self)
        return Int(t.struct_size) >= MemoryLayout<dipp_field_v1>.size && t.density_colour != nil ? t : nil
    }

    public func field(at points: [Float]) throws -> (density: [Float], colour: [Float]) {
        guard let t = fieldTable else {
            throw PluginError(.missingCapability, location: library.path, what: "the plugin provides no \(DIPP_FIELD_CAPABILITY) table",
                              hint: "export dipp.field/1 to let the host measure and mesh the field")
        }
        let count = points.count / 3
        var density = [Float](repeating: 0, count: count), colour = [Float](repeating: 0, count: 3 * count)
        var error = [CChar](repeating: 0, count: 512)
        let status = t.density_colour!(instance, params.storage, points, Int64(count), &density, &colour, &error, error.count)
        guard status == DIPP_OK else {
            throw PluginError(.callFailed, location: "\(library.path), density_colour", what: "status \(status.rawValue): \(pluginMessage(error))",
                              hint: "run `dipp plugin validate` on the plugin")
        }
        guard (density + colour).allSatisfy(\.isFinite) else {
            throw PluginError(.nonFiniteOutput, location: "\(library.path), density_colour", what: "the field contains NaN or Inf",
                              hint: "run `dipp plugin validate` on the plugin")
        }
        return (density, colour)
    }
}
