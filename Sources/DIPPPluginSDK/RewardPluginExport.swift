import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

/// The Swift plugin SDK for rewards: turns a Swift `RewardModel` into the C tables of
/// `dipp.reward/1`, so a Swift reward plugin is the conformance plus one exported entry function:
///
/// ```swift
/// @_cdecl("dipp_plugin_entry")
/// public func dippPluginEntry(_ major: UInt32) -> UnsafeRawPointer? {
///     RewardPluginExport.entry(major, id: "org.example.mine", name: "Mine", version: "1.0.0",
///                              sampleShape: [64]) { hyperparameters in try MyReward() }
/// }
/// ```
///
/// `∇ₓr` comes from the tensor core's autodiff. Nothing throws across the boundary: errors
/// become `DIPP_ERROR_*` statuses with the message in the caller's buffer (a thrown
/// ``PluginArgumentError`` is `DIPP_ERROR_INVALID_ARGUMENT`, anything else `DIPP_ERROR_INTERNAL`).
/// The host owns every buffer; instances are retained Swift objects, one call at a time each.
/// One library exports one capability.
public enum RewardPluginExport {
    /// Builds a reward from hyper-parameter values (in declaration order, defaults filled in).
    public typealias Factory = ([Double]) throws -> any RewardModel

    final class Instance {
        let reward: any RewardModel
        let lock = NSLock()
        init(_ reward: any RewardModel) { self.reward = reward }
    }

    struct Registration {
        let info: UnsafeMutablePointer<dipp_plugin_info>
        let table: UnsafeMutablePointer<dipp_reward_v1>
        let descriptor: UnsafeMutablePointer<dipp_reward_descriptor>
        let sampleCount: Int
        let declarations: [HyperparameterDeclaration]
        let factory: Factory
    }

    nonisolated(unsafe) static var registration: Registration?
    static let lock = NSLock()

    /// The entry function's body: negotiates the version and returns the plugin's info table.
    /// `textDimension` / `cameraDimension` declare the text embeddings and cameras the reward
    /// reads (ABI 1.1; 0 = none): they reach ``RewardModel/reward(_:conditions:)`` in `Conditions`.
    public static func entry(_ hostMajor: UInt32, id: String, name: String, version: String, sampleShape: [Int],
                             hyperparameters: [HyperparameterDeclaration] = [], textDimension: Int = 0, cameraDimension: Int = 0,
                             factory: @escaping Factory) -> UnsafeRawPointer? {
        guard hostMajor == DIPP_ABI_MAJOR else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if registration == nil {
            registration = register(id: id, name: name, version: version, sampleShape: sampleShape, declarations: hyperparameters,
                                    textDimension: textDimension, cameraDimension: cameraDimension, factory: factory)
        }
        return UnsafeRawPointer(registration!.info)
    }

    static func register(id: String, name: String, version: String, sampleShape: [Int], declarations: [HyperparameterDeclaration],
                         textDimension: Int, cameraDimension: Int, factory: @escaping Factory) -> Registration {
        let descriptor = UnsafeMutablePointer<dipp_reward_descriptor>.allocate(capacity: 1)
        descriptor.initialize(to: dipp_reward_descriptor(
            struct_size: UInt32(MemoryLayout<dipp_reward_descriptor>.size), id: ExportSupport.cString(id), name: ExportSupport.cString(name),
            version: ExportSupport.cString(version), sample_rank: UInt32(sampleShape.count), sample_shape: ExportSupport.shape(sampleShape),
            hyperparameter_count: UInt32(declarations.count), hyperparameters: ExportSupport.hyperparameterTable(declarations),
            thread_safety: DIPP_THREADS_SAFE.rawValue, deterministic: 1, text_dimension: UInt32(textDimension),
            camera_dimension: UInt32(cameraDimension)))
        let table = UnsafeMutablePointer<dipp_reward_v1>.allocate(capacity: 1)
        table.initialize(to: dipp_reward_v1(
            struct_size: UInt32(MemoryLayout<dipp_reward_v1>.size),
            describe: { UnsafePointer(RewardPluginExport.registration?.descriptor) },
            create: { values, count, instance, message, size in
                guard let instance, let r = RewardPluginExport.registration else { return DIPP_ERROR_INVALID_ARGUMENT }
                return ExportSupport.retain({ Instance(try r.factory(ExportSupport.resolve(values, count, r.declarations))) }, into: instance, message, size)
            },
            destroy: { instance in
                if let instance { Unmanaged<Instance>.fromOpaque(instance).release() }
            },
            reward: { instance, x, conditions, batch, rewards, error, size in
                RewardPluginExport.call(instance, x, ExportSupport.labelConditions(conditions, batch), rewards, nil, error, size)
            },
            reward_grad: { instance, x, conditions, batch, rewards, gradients, error, size in
                guard gradients != nil else { return DIPP_ERROR_INVALID_ARGUMENT }
                return RewardPluginExport.call(instance, x, ExportSupport.labelConditions(conditions, batch), rewards, gradients, error, size)
            },
            reward_conditions: { instance, x, conditions, rewards, error, size in
                RewardPluginExport.call(instance, x, ExportSupport.conditions(conditions), rewards, nil, error, size)
            },
            reward_grad_conditions: { instance, x, conditions, rewards, gradients, error, size in
                guard gradients != nil else { return DIPP_ERROR_INVALID_ARGUMENT }
                return RewardPluginExport.call(instance, x, ExportSupport.conditions(conditions), rewards, gradients, error, size)
            }))
        let info = ExportSupport.info(id: id, name: name, version: version) { capability in
            guard let capability, String(cString: capability) == DIPP_REWARD_CAPABILITY,
                  let table = RewardPluginExport.registration?.table else { return nil }
            return UnsafeRawPointer(table)
        }
        return Registration(info: info, table: table, descriptor: descriptor, sampleCount: max(sampleShape.reduce(1, *), 1),
                            declarations: declarations, factory: factory)
    }

    static func call(_ instance: UnsafeMutableRawPointer?, _ x: UnsafePointer<Float>?, _ conditions: Conditions?,
                     _ rewards: UnsafeMutablePointer<Float>?, _ gradients: UnsafeMutablePointer<Float>?,
                     _ error: UnsafeMutablePointer<CChar>?, _ size: Int) -> dipp_status {
        guard let instance, let x, let rewards, let conditions, let r = registration else {
            ExportSupport.write("NULL buffer, negative batch or malformed conditions", to: error, size: size)
            return DIPP_ERROR_INVALID_ARGUMENT
        }
        let needs = r.descriptor.pointee
        guard (needs.text_dimension == 0 || conditions.text?.dimension == Int(needs.text_dimension)),
              (needs.camera_dimension == 0 || conditions.camera?.dimension == Int(needs.camera_dimension)) else {
            ExportSupport.write("this reward reads text [\(needs.text_dimension)] and camera [\(needs.camera_dimension)] conditions", to: error, size: size)
            return DIPP_ERROR_INVALID_ARGUMENT
        }
        let object = Unmanaged<Instance>.fromOpaque(instance).takeUnretainedValue()
        object.lock.lock()
        defer { object.lock.unlock() }
        let n = conditions.count, d = r.sampleCount
        let input = Tensor(shape: [n, d], storage: Array(UnsafeBufferPointer(start: x, count: n * d)), requiresGrad: true)
        let values = object.reward.reward(input, conditions: conditions)
        for i in 0..<n { rewards[i] = values.storage[i] }
        if let gradients {
            let g = Tensor.gradients(of: values, withRespectTo: [input])[0].storage
            for i in 0..<(n * d) { gradients[i] = g[i] }
        }
        return DIPP_OK
    }
}
