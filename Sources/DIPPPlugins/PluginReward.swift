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
    let table: UnsafePointer<dipp_reward_v1>
    let instance: UnsafeMutableRawPointer
    /// The last error a call reported (for diagnostics after a NaN).
    public private(set) var lastError: PluginError?

    /// Creates an instance of the plugin's reward with `hyperparameters` (in the descriptor's order).
    public init(library: PluginLibrary, hyperparameters: [Double] = []) throws {
        self.library = library
        guard let raw = library.capability(DIPP_REWARD_CAPABILITY) else {
            throw PluginError(.missingCapability, location: library.path, what: "the plugin provides no \(DIPP_REWARD_CAPABILITY) table",
                              hint: "is this a generator plugin? use it with --generator")
        }
        let table = raw.assumingMemoryBound(to: dipp_reward_v1.self)
        guard table.pointee.struct_size >= UInt32(MemoryLayout<dipp_reward_v1>.size),
              let describe = table.pointee.describe, let create = table.pointee.create,
              table.pointee.reward_grad != nil, table.pointee.destroy != nil else {
            throw PluginError(.tableTooSmall, location: library.path, what: "the \(DIPP_REWARD_CAPABILITY) table is smaller than ABI 1.0's or has NULL functions",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        guard let descriptor = describe(), descriptor.pointee.struct_size >= UInt32(MemoryLayout<dipp_reward_descriptor>.size) else {
            throw PluginError(.tableTooSmall, location: library.path, what: "the reward descriptor is missing or too small",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        let d = descriptor.pointee
        sampleShape = (0..<Int(d.sample_rank)).map { Int(d.sample_shape[$0]) }
        descriptorName = d.name.map { String(cString: $0) } ?? library.name
        var error = [CChar](repeating: 0, count: 512)
        var made: UnsafeMutableRawPointer?
        let status = create(hyperparameters, UInt32(hyperparameters.count), &made, &error, error.count)
        guard status == DIPP_OK, let made else {
            throw PluginError(.callFailed, location: "\(library.path), create", what: "status \(status.rawValue): \(Self.text(error))",
                              hint: "check the hyper-parameters against `dipp plugin inspect`")
        }
        self.table = table
        instance = made
    }

    deinit { table.pointee.destroy?(instance) }

    public var name: String { "plugin:\(descriptorName)" }

    /// A hyper-parameter as the plugin declares it.
    public struct Hyperparameter: Sendable {
        public let name: String, description: String
        public let defaultValue: Double, minimum: Double, maximum: Double
    }

    /// The declared hyper-parameters, in order.
    public var hyperparameters: [Hyperparameter] {
        guard let d = table.pointee.describe?()?.pointee, let list = d.hyperparameters else { return [] }
        return (0..<Int(d.hyperparameter_count)).map { i in
            let h = list[i]
            return Hyperparameter(name: h.name.map { String(cString: $0) } ?? "", description: h.description.map { String(cString: $0) } ?? "",
                                  defaultValue: h.default_value, minimum: h.minimum, maximum: h.maximum)
        }
    }

    /// `r` and `∇ₓr` for a batch, or a ``PluginError`` (call failure or non-finite output).
    public func evaluate(_ x: [Float], conditions: [Int]) throws -> (rewards: [Float], gradients: [Float]) {
        let d = sampleShape.reduce(1, *)
        let n = x.count / max(d, 1)
        var rewards = [Float](repeating: 0, count: n), gradients = [Float](repeating: 0, count: x.count)
        var error = [CChar](repeating: 0, count: 512)
        let labels = conditions.map { Int32($0) }
        let status = table.pointee.reward_grad!(instance, x, labels, Int64(n), &rewards, &gradients, &error, error.count)
        guard status == DIPP_OK else {
            throw PluginError(.callFailed, location: "\(library.path), reward_grad", what: "status \(status.rawValue): \(Self.text(error))",
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
            result = try evaluate(x.storage, conditions: conditions.labels)
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

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
