import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

/// A reward supplied by a plugin's `"dipp.reward/1"` table, adapted to ``RewardModel``: the
/// forward pass calls `reward_grad` once and the result joins the tape as a custom node whose
/// VJP is `g_n·∇ₓr_n`. Rewards and gradients are checked for NaN/Inf; a failing call makes the
/// rewards NaN, which the trainer reports by step and term.
public final class PluginReward: RewardModel, @unchecked Sendable {
    public let library: PluginLibrary
    public let sampleShape: [Int]
    public let descriptorName: String
    /// A host-owned copy of the plugin's table (``PluginABI/copy(_:as:)``) and descriptor.
    let table: UnsafePointer<dipp_reward_v1>
    let descriptor: dipp_reward_descriptor
    let instance: UnsafeMutableRawPointer
    /// The last error a call reported (for diagnostics after a NaN).
    public private(set) var lastError: PluginError?

    /// Creates an instance of the plugin's reward with `settings` (by name; defaults elsewhere;
    /// checked against the declared ranges before the plugin sees them).
    public convenience init(library: PluginLibrary, settings: [String: Double]) throws {
        let (_, d) = try Self.table(in: library)
        let declared = PluginHyperparameter.list(d.hyperparameters, count: d.hyperparameter_count)
        try self.init(library: library, hyperparameters: PluginHyperparameter.values(settings, declared: declared, plugin: library.path))
    }

    /// Creates an instance of the plugin's reward with `hyperparameters` (in the descriptor's order).
    public init(library: PluginLibrary, hyperparameters: [Double] = []) throws {
        self.library = library
        let (table, d) = try Self.table(in: library)
        sampleShape = pluginShape(d.sample_shape, rank: d.sample_rank)
        descriptorName = d.name.map { String(cString: $0) } ?? library.name
        let made = try createInstance(table.create!, hyperparameters: hyperparameters, library: library)
        self.table = PluginABI.pinned(table)
        descriptor = d
        instance = made
    }

    /// The library's reward table and descriptor, size-checked.
    static func table(in library: PluginLibrary) throws -> (dipp_reward_v1, dipp_reward_descriptor) {
        guard let raw = library.capability(DIPP_REWARD_CAPABILITY) else {
            throw PluginError(.missingCapability, location: library.path, what: "the plugin provides no \(DIPP_REWARD_CAPABILITY) table",
                              hint: "is this a generator plugin? use it with --generator")
        }
        let table = PluginABI.copy(raw, as: dipp_reward_v1.self)
        guard Int(table.struct_size) >= PluginABI.rewardTable10, let describe = table.describe, table.create != nil,
              table.reward_grad != nil, table.destroy != nil else {
            throw PluginError(.tableTooSmall, location: library.path, what: "the \(DIPP_REWARD_CAPABILITY) table is smaller than ABI 1.0's or has NULL functions",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        guard let descriptor = describe(), Int(descriptor.pointee.struct_size) >= PluginABI.rewardDescriptor10 else {
            throw PluginError(.tableTooSmall, location: library.path, what: "the reward descriptor is missing or too small",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        return (table, PluginABI.copy(descriptor, as: dipp_reward_descriptor.self))
    }

    deinit {
        table.pointee.destroy?(instance)
        table.deallocate()
    }

    public var name: String { "plugin:\(descriptorName)" }

    /// The declared hyper-parameters, in order.
    public var hyperparameters: [PluginHyperparameter] {
        PluginHyperparameter.list(descriptor.hyperparameters, count: descriptor.hyperparameter_count)
    }

    /// Whether the plugin takes every condition modality (ABI 1.1); otherwise it sees labels only.
    public var readsAllConditions: Bool { PluginABI.hasConditions(table.pointee) }

    public var expectedSampleShape: [Int]? { sampleShape }

    /// The modalities the plugin reads.
    public var conditionNeeds: PluginConditionNeeds { descriptor.conditionNeeds }

    /// `r` and `∇ₓr` for a batch, or a ``PluginError`` (call failure or non-finite output).
    public func evaluate(_ x: [Float], conditions: Conditions) throws -> (rewards: [Float], gradients: [Float]) {
        let n = conditions.count
        precondition(x.count == n * sampleShape.reduce(1, *), "plugin reward: \(x.count) values for \(n) samples of \(sampleShape)")
        var rewards = [Float](repeating: 0, count: n), gradients = [Float](repeating: 0, count: x.count)
        var error = [CChar](repeating: 0, count: 512)
        let labels = conditions.labels.map { Int32($0) }
        let t = table.pointee
        let status = PluginABI.hasConditions(t)
            ? PluginABI.withConditions(conditions, labels: labels) { t.reward_grad_conditions!(instance, x, $0, &rewards, &gradients, &error, error.count) }
            : t.reward_grad!(instance, x, labels, Int64(n), &rewards, &gradients, &error, error.count)
        guard status == DIPP_OK else {
            throw PluginError(.callFailed, location: "\(library.path), reward_grad", what: "status \(status.rawValue): \(pluginMessage(error))",
                              hint: "run `dipp plugin validate` on the plugin")
        }
        guard rewards.allSatisfy(\.isFinite), gradients.allSatisfy(\.isFinite) else {
            throw PluginError(.nonFiniteOutput, location: "\(library.path), reward_grad", what: "the plugin returned NaN or Inf",
                              hint: "run `dipp plugin validate` on the plugin")
        }
        return (rewards, gradients)
    }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let n = x.shape[0], d = x.count / max(n, 1)
        precondition(d == sampleShape.reduce(1, *), "plugin reward expects samples of shape \(sampleShape), got \(Array(x.shape.dropFirst()))")
        let result: (rewards: [Float], gradients: [Float])
        do {
            result = try evaluate(x.storage, conditions: conditions)
            lastError = nil
        } catch let error as PluginError {
            lastError = error
            result = ([Float](repeating: .nan, count: n), [Float](repeating: 0, count: x.count))
        } catch {
            result = ([Float](repeating: .nan, count: n), [Float](repeating: 0, count: x.count))
        }
        let gradients = result.gradients
        return Tensor.custom(shape: [n], values: result.rewards, inputs: [x]) { g, _ in
            [(0..<(n * d)).map { g[$0 / d] * gradients[$0] }]
        }
    }
}
