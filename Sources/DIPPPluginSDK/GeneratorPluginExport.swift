import CDIPPPluginABI
import DIPPDiffusion
import DIPPTensor
import DiffInstruct
import Foundation

/// The Swift plugin SDK for generators: turns a Swift `Generator` into the C tables of
/// `dipp.generator/1`. θ is the generator's ``Layer/namedParameters`` flattened in order; the
/// host owns it, so every call first copies the host's θ into the instance's tensors, and
/// `backward` is the tensor core's autodiff of `x = g_θ(z, c)` seeded with `v`:
///
/// ```swift
/// @_cdecl("dipp_plugin_entry")
/// public func dippPluginEntry(_ major: UInt32) -> UnsafeRawPointer? {
///     GeneratorPluginExport.entry(major, id: "org.example.gen", name: "Mine", version: "1.0.0",
///                                 latentShape: [8], sampleShape: [64], classCount: 10) { hyperparameters, seed in
///         var rng = RandomStream(seed: seed)
///         return MyGenerator(rng: &rng)
///     }
/// }
/// ```
///
/// The factory must build the same architecture for the same hyper-parameters (only the
/// values depend on `seed`). Errors follow ``RewardPluginExport``'s rules.
public enum GeneratorPluginExport {
    /// Builds a generator from hyper-parameter values (declaration order) and a seed for its θ.
    public typealias Factory = (_ hyperparameters: [Double], _ seed: UInt64) throws -> any Generator

    final class Instance {
        let generator: any Generator
        let hyperparameters: [Double]
        let lock = NSLock()
        init(_ generator: any Generator, _ hyperparameters: [Double]) { (self.generator, self.hyperparameters) = (generator, hyperparameters) }

        /// Copies the host's θ into the generator's tensors.
        func load(_ theta: UnsafePointer<Float>) {
            var offset = 0
            for p in generator.parameters {
                let count = p.count
                p.withMutableStorage { $0 = Array(UnsafeBufferPointer(start: theta + offset, count: count)) }
                offset += count
            }
        }
    }

    struct Registration {
        let info: UnsafeMutablePointer<dipp_plugin_info>
        let table: UnsafeMutablePointer<dipp_generator_v1>
        let descriptor: UnsafeMutablePointer<dipp_generator_descriptor>
        let latentShape: [Int]
        let sampleShape: [Int]
        let classCount: Int
        let declarations: [HyperparameterDeclaration]
        let factory: Factory
    }

    nonisolated(unsafe) static var registration: Registration?
    static let lock = NSLock()

    /// The entry function's body: negotiates the version and returns the plugin's info table.
    public static func entry(_ hostMajor: UInt32, id: String, name: String, version: String, latentShape: [Int], sampleShape: [Int],
                             classCount: Int, hyperparameters: [HyperparameterDeclaration] = [], factory: @escaping Factory) -> UnsafeRawPointer? {
        guard hostMajor == DIPP_ABI_MAJOR else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if registration == nil {
            registration = register(id: id, name: name, version: version, latentShape: latentShape, sampleShape: sampleShape,
                                    classCount: classCount, declarations: hyperparameters, factory: factory)
        }
        return UnsafeRawPointer(registration!.info)
    }

    static func register(id: String, name: String, version: String, latentShape: [Int], sampleShape: [Int], classCount: Int,
                         declarations: [HyperparameterDeclaration], factory: @escaping Factory) -> Registration {
        let descriptor = UnsafeMutablePointer<dipp_generator_descriptor>.allocate(capacity: 1)
        descriptor.initialize(to: dipp_generator_descriptor(
            struct_size: UInt32(MemoryLayout<dipp_generator_descriptor>.size), id: ExportSupport.cString(id),
            name: ExportSupport.cString(name), version: ExportSupport.cString(version),
            latent_rank: UInt32(latentShape.count), latent_shape: ExportSupport.shape(latentShape),
            sample_rank: UInt32(sampleShape.count), sample_shape: ExportSupport.shape(sampleShape), class_count: UInt32(classCount),
            hyperparameter_count: UInt32(declarations.count), hyperparameters: ExportSupport.hyperparameterTable(declarations),
            thread_safety: DIPP_THREADS_SAFE.rawValue, deterministic: 1, text_dimension: 0, camera_dimension: 0))
        let table = UnsafeMutablePointer<dipp_generator_v1>.allocate(capacity: 1)
        table.initialize(to: dipp_generator_v1(
            struct_size: UInt32(MemoryLayout<dipp_generator_v1>.size),
            describe: { UnsafePointer(GeneratorPluginExport.registration?.descriptor) },
            create: { values, count, instance, message, size in
                guard let instance, let r = GeneratorPluginExport.registration else { return DIPP_ERROR_INVALID_ARGUMENT }
                return ExportSupport.retain({
                    let hyperparameters = try ExportSupport.resolve(values, count, r.declarations)
                    return Instance(try r.factory(hyperparameters, 0), hyperparameters)
                }, into: instance, message, size)
            },
            destroy: { instance in
                if let instance { Unmanaged<Instance>.fromOpaque(instance).release() }
            },
            parameter_count: { instance in
                guard let instance else { return -1 }
                return Int64(Unmanaged<Instance>.fromOpaque(instance).takeUnretainedValue().generator.parameterCount)
            },
            init_params: { instance, seed, params, count, message, size in
                GeneratorPluginExport.initialParameters(instance, seed, params, count, message, size)
            },
            forward: { instance, params, z, conditions, batch, x, message, size in
                GeneratorPluginExport.call(instance, params, z, conditions, batch, v: nil, x: x, paramsGrad: nil, zGrad: nil, message, size)
            },
            backward: { instance, params, z, conditions, batch, v, paramsGrad, zGrad, message, size in
                guard v != nil, paramsGrad != nil else {
                    ExportSupport.write("NULL v or gradient buffer", to: message, size: size)
                    return DIPP_ERROR_INVALID_ARGUMENT
                }
                return GeneratorPluginExport.call(instance, params, z, conditions, batch, v: v, x: nil, paramsGrad: paramsGrad, zGrad: zGrad, message, size)
            },
            // Swift generator plugins take labels only (the 1.0 entry points) for now.
            forward_conditions: nil, backward_conditions: nil))
        let info = ExportSupport.info(id: id, name: name, version: version) { capability in
            guard let capability, String(cString: capability) == DIPP_GENERATOR_CAPABILITY,
                  let table = GeneratorPluginExport.registration?.table else { return nil }
            return UnsafeRawPointer(table)
        }
        return Registration(info: info, table: table, descriptor: descriptor, latentShape: latentShape, sampleShape: sampleShape,
                            classCount: classCount, declarations: declarations, factory: factory)
    }

    /// θ of a generator the factory builds with `seed`, flattened.
    static func initialParameters(_ instance: UnsafeMutableRawPointer?, _ seed: UInt64, _ params: UnsafeMutablePointer<Float>?, _ count: Int64,
                                  _ message: UnsafeMutablePointer<CChar>?, _ size: Int) -> dipp_status {
        guard let instance, let params, let r = registration else {
            ExportSupport.write("NULL instance or parameter buffer", to: message, size: size)
            return DIPP_ERROR_INVALID_ARGUMENT
        }
        let object = Unmanaged<Instance>.fromOpaque(instance).takeUnretainedValue()
        do {
            let fresh = try r.factory(object.hyperparameters, seed)
            let values = fresh.parameters.flatMap(\.storage)
            guard Int64(values.count) == count, fresh.parameterCount == object.generator.parameterCount else {
                throw PluginArgumentError("count \(count) differs from parameter_count \(object.generator.parameterCount)")
            }
            for (i, v) in values.enumerated() { params[i] = v }
            return DIPP_OK
        } catch {
            return ExportSupport.status(for: error, message, size)
        }
    }

    /// `forward` (x ≠ nil) or `backward` (v ≠ nil) on the host's θ.
    static func call(_ instance: UnsafeMutableRawPointer?, _ params: UnsafePointer<Float>?, _ z: UnsafePointer<Float>?,
                     _ conditions: UnsafePointer<Int32>?, _ batch: Int64, v: UnsafePointer<Float>?, x: UnsafeMutablePointer<Float>?,
                     paramsGrad: UnsafeMutablePointer<Float>?, zGrad: UnsafeMutablePointer<Float>?,
                     _ message: UnsafeMutablePointer<CChar>?, _ size: Int) -> dipp_status {
        guard let instance, let params, let z, batch >= 0, let r = registration, x != nil || v != nil else {
            ExportSupport.write("NULL buffer or negative batch", to: message, size: size)
            return DIPP_ERROR_INVALID_ARGUMENT
        }
        let n = Int(batch)
        let labels = (0..<n).map { i in conditions.map { Int($0[i]) } ?? Conditions.nullLabel }
        if let bad = labels.first(where: { $0 != Conditions.nullLabel && !(0..<r.classCount).contains($0) }) {
            ExportSupport.write("label \(bad) is outside -1…\(r.classCount - 1)", to: message, size: size)
            return DIPP_ERROR_INVALID_ARGUMENT
        }
        let object = Unmanaged<Instance>.fromOpaque(instance).takeUnretainedValue()
        object.lock.lock()
        defer { object.lock.unlock() }
        object.load(params)
        let latentCount = r.latentShape.reduce(1, *), sampleCount = r.sampleShape.reduce(1, *)
        let latents = Tensor(shape: [n] + r.latentShape, storage: Array(UnsafeBufferPointer(start: z, count: n * latentCount)),
                             requiresGrad: zGrad != nil)
        let generator = object.generator
        if let x {
            let out = withoutGradients { generator(latents, conditions: Conditions(labels: labels)) }.storage
            for i in 0..<(n * sampleCount) { x[i] = out[i] }
            return DIPP_OK
        }
        let out = generator(latents, conditions: Conditions(labels: labels))
        let inputs = generator.parameters + (zGrad != nil ? [latents] : [])
        let grads = Tensor.gradients(of: out, withRespectTo: inputs, seed: Array(UnsafeBufferPointer(start: v, count: n * sampleCount)))
        var offset = 0
        for g in grads.prefix(generator.parameters.count) {
            for (i, value) in g.storage.enumerated() { paramsGrad![offset + i] = value }
            offset += g.count
        }
        if let zGrad, let g = grads.last {
            for i in 0..<(n * latentCount) { zGrad[i] = g.storage[i] }
        }
        return DIPP_OK
    }
}
