import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

/// The Swift plugin SDK: turns a Swift `RewardModel` into the C tables of `dipp.reward/1`, so a
/// Swift reward plugin is the conformance plus one exported entry function:
///
/// ```swift
/// @_cdecl("dipp_plugin_entry")
/// public func dippPluginEntry(_ major: UInt32) -> UnsafeRawPointer? {
///     RewardPluginExport.entry(major, id: "org.example.mine", name: "Mine", version: "1.0.0",
///                              sampleShape: [64]) { hyperparameters in try MyReward() }
/// }
/// ```
///
/// Nothing throws across the boundary: errors become `DIPP_ERROR_*` statuses with the message
/// in the caller's buffer. The host owns every buffer; instances are retained Swift objects.
public enum RewardPluginExport {
    /// Builds a reward from hyper-parameter values (in declaration order).
    public typealias Factory = ([Double]) throws -> any RewardModel

    final class Instance {
        let reward: any RewardModel
        init(_ reward: any RewardModel) { self.reward = reward }
    }

    struct Registration {
        let info: UnsafeMutablePointer<dipp_plugin_info>
        let table: UnsafeMutablePointer<dipp_reward_v1>
        let descriptor: UnsafeMutablePointer<dipp_reward_descriptor>
        let sampleCount: Int
        let factory: Factory
    }

    nonisolated(unsafe) static var registration: Registration?
    static let lock = NSLock()

    /// The entry function's body: negotiates the version and returns the plugin's info table.
    public static func entry(_ hostMajor: UInt32, id: String, name: String, version: String, sampleShape: [Int],
                             factory: @escaping Factory) -> UnsafeRawPointer? {
        guard hostMajor == DIPP_ABI_MAJOR else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if registration == nil { registration = register(id: id, name: name, version: version, sampleShape: sampleShape, factory: factory) }
        return UnsafeRawPointer(registration!.info)
    }

    static func cString(_ s: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(s)!) }

    static func register(id: String, name: String, version: String, sampleShape: [Int], factory: @escaping Factory) -> Registration {
        let shape = UnsafeMutablePointer<Int64>.allocate(capacity: max(sampleShape.count, 1))
        for (i, v) in sampleShape.enumerated() { shape[i] = Int64(v) }
        let descriptor = UnsafeMutablePointer<dipp_reward_descriptor>.allocate(capacity: 1)
        descriptor.initialize(to: dipp_reward_descriptor(
            struct_size: UInt32(MemoryLayout<dipp_reward_descriptor>.size), id: cString(id), name: cString(name), version: cString(version),
            sample_rank: UInt32(sampleShape.count), sample_shape: UnsafePointer(shape), hyperparameter_count: 0, hyperparameters: nil,
            thread_safety: DIPP_THREADS_NONE.rawValue, deterministic: 1))
        let table = UnsafeMutablePointer<dipp_reward_v1>.allocate(capacity: 1)
        table.initialize(to: dipp_reward_v1(
            struct_size: UInt32(MemoryLayout<dipp_reward_v1>.size),
            describe: { UnsafePointer(RewardPluginExport.registration?.descriptor) },
            create: { values, count, instance, message, size in
                guard let instance, let r = RewardPluginExport.registration, count == 0 || values != nil else { return DIPP_ERROR_INVALID_ARGUMENT }
                let parameters = (0..<Int(count)).map { values![$0] }
                do {
                    let made = Instance(try r.factory(parameters))
                    instance.pointee = Unmanaged.passRetained(made).toOpaque()
                    return DIPP_OK
                } catch {
                    RewardPluginExport.write("\(error)", to: message, size: size)
                    return DIPP_ERROR_INVALID_ARGUMENT
                }
            },
            destroy: { instance in
                if let instance { Unmanaged<Instance>.fromOpaque(instance).release() }
            },
            reward: { instance, x, conditions, batch, rewards, error, size in
                RewardPluginExport.call(instance, x, conditions, batch, rewards, nil, error, size)
            },
            reward_grad: { instance, x, conditions, batch, rewards, gradients, error, size in
                guard gradients != nil else { return DIPP_ERROR_INVALID_ARGUMENT }
                return RewardPluginExport.call(instance, x, conditions, batch, rewards, gradients, error, size)
            }))
        let info = UnsafeMutablePointer<dipp_plugin_info>.allocate(capacity: 1)
        info.initialize(to: dipp_plugin_info(
            struct_size: UInt32(MemoryLayout<dipp_plugin_info>.size), abi_major: DIPP_ABI_MAJOR, abi_minor: DIPP_ABI_MINOR,
            id: cString(id), name: cString(name), version: cString(version),
            get_capability: { capability in
                guard let capability, String(cString: capability) == DIPP_REWARD_CAPABILITY,
                      let table = RewardPluginExport.registration?.table else { return nil }
                return UnsafeRawPointer(table)
            }))
        return Registration(info: info, table: table, descriptor: descriptor, sampleCount: max(sampleShape.reduce(1, *), 1), factory: factory)
    }

    static func write(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, size: Int) {
        guard let buffer, size > 0 else { return }
        let bytes = Array(text.utf8.prefix(size - 1))
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[bytes.count] = 0
    }

    static func call(_ instance: UnsafeMutableRawPointer?, _ x: UnsafePointer<Float>?, _ conditions: UnsafePointer<Int32>?, _ batch: Int64,
                     _ rewards: UnsafeMutablePointer<Float>?, _ gradients: UnsafeMutablePointer<Float>?,
                     _ error: UnsafeMutablePointer<CChar>?, _ size: Int) -> dipp_status {
        guard let instance, let x, let rewards, batch >= 0, let r = registration else {
            write("NULL buffer or negative batch", to: error, size: size)
            return DIPP_ERROR_INVALID_ARGUMENT
        }
        let model = Unmanaged<Instance>.fromOpaque(instance).takeUnretainedValue().reward
        let n = Int(batch), d = r.sampleCount
        let conditionLabels = (0..<n).map { i in conditions.map { Int($0[i]) } ?? Conditions.nullLabel }
        let input = Tensor(shape: [n, d], storage: Array(UnsafeBufferPointer(start: x, count: n * d)), requiresGrad: true)
        let values = model.reward(input, conditions: Conditions(labels: conditionLabels))
        for i in 0..<n { rewards[i] = values.storage[i] }
        if let gradients {
            let g = Tensor.gradients(of: values, withRespectTo: [input])[0].storage
            for i in 0..<(n * d) { gradients[i] = g[i] }
        }
        return DIPP_OK
    }
}
