import CDIPPPluginABI
import DIPPDiffusion
import Foundation

/// ABI 1.1/1.2's conditions struct and the table sizes that tell a 1.0 plugin from a 1.1 one.
enum PluginABI {
    /// Version 1.0's `dipp_reward_v1` size: hosts accept any table at least this large.
    static let rewardTable10 = MemoryLayout<dipp_reward_v1>.offset(of: \dipp_reward_v1.reward_conditions)!
    /// Version 1.0's `dipp_generator_v1` size.
    static let generatorTable10 = MemoryLayout<dipp_generator_v1>.offset(of: \dipp_generator_v1.forward_conditions)!
    /// Version 1.0's descriptor sizes (the 1.1 fields start there).
    static let rewardDescriptor10 = MemoryLayout<dipp_reward_descriptor>.offset(of: \dipp_reward_descriptor.text_dimension)!
    static let generatorDescriptor10 = MemoryLayout<dipp_generator_descriptor>.offset(of: \dipp_generator_descriptor.text_dimension)!

    /// Whether a reward table has the 1.1 entry points (its size covers them and they are set).
    static func hasConditions(_ t: dipp_reward_v1) -> Bool {
        Int(t.struct_size) >= MemoryLayout<dipp_reward_v1>.size && t.reward_conditions != nil && t.reward_grad_conditions != nil
    }

    static func hasConditions(_ t: dipp_generator_v1) -> Bool {
        Int(t.struct_size) >= MemoryLayout<dipp_generator_v1>.size && t.forward_conditions != nil && t.backward_conditions != nil
    }

    /// Calls `body` with `conditions` as a `dipp_conditions` (valid only during the call).
    /// `labels` are the labels as the plugin should see them; the prompts (1.2) are passed when
    /// the batch's text embedding carries them.
    static func withConditions<T>(_ conditions: Conditions, labels: [Int32], _ body: (UnsafePointer<dipp_conditions>) throws -> T) rethrows -> T {
        let nullMask = conditions.isNull.map { UInt8($0 ? 1 : 0) }
        let text = conditions.text, camera = conditions.camera
        let prompts: [UnsafePointer<CChar>?] = (text?.prompts ?? []).map { UnsafePointer(strdup($0)) }
        defer { for p in prompts { free(UnsafeMutablePointer(mutating: p)) } }
        let pooled = text?.pooled ?? [], tokens = text?.tokens ?? [], tokenMask = text?.tokenMask ?? [], pose = camera?.values ?? []
        return try labels.withUnsafeBufferPointer { l in
            try nullMask.withUnsafeBufferPointer { m in
                try pooled.withUnsafeBufferPointer { p in
                    try tokens.withUnsafeBufferPointer { t in
                        try tokenMask.withUnsafeBufferPointer { tm in
                            try pose.withUnsafeBufferPointer { c in try prompts.withUnsafeBufferPointer { q in
                                var s = dipp_conditions(
                                    struct_size: UInt32(MemoryLayout<dipp_conditions>.size), batch: Int64(conditions.count),
                                    labels: l.baseAddress, null_mask: m.baseAddress,
                                    text_dimension: UInt32(text?.dimension ?? 0), text_pooled: text == nil ? nil : p.baseAddress,
                                    text_tokens: UInt32(text?.tokenCount ?? 0),
                                    text_token_embeddings: (text?.tokenCount ?? 0) > 0 ? t.baseAddress : nil,
                                    text_token_mask: (text?.tokenCount ?? 0) > 0 ? tm.baseAddress : nil,
                                    camera_dimension: UInt32(camera?.dimension ?? 0), camera: camera == nil ? nil : c.baseAddress,
                                    prompts: prompts.count == conditions.count && !prompts.isEmpty ? q.baseAddress : nil)
                                return try body(&s)
                            } }
                        }
                    }
                }
            }
        }
    }
}

/// The condition modalities a plugin reads (ABI 1.1 descriptors; 0 for 1.0 plugins).
public struct PluginConditionNeeds: Sendable, Equatable, CustomStringConvertible {
    public let textDimension: Int
    public let cameraDimension: Int

    init(structSize: UInt32, textOffset: Int, text: UInt32, camera: UInt32) {
        let covered = Int(structSize) >= textOffset + 2 * MemoryLayout<UInt32>.size
        textDimension = covered ? Int(text) : 0
        cameraDimension = covered ? Int(camera) : 0
    }

    public var description: String {
        var parts = ["labels"]
        if textDimension > 0 { parts.append("text [\(textDimension)]") }
        if cameraDimension > 0 { parts.append("camera [\(cameraDimension)]") }
        return parts.joined(separator: ", ")
    }
}

extension dipp_reward_descriptor {
    var conditionNeeds: PluginConditionNeeds {
        PluginConditionNeeds(structSize: struct_size, textOffset: MemoryLayout<Self>.offset(of: \Self.text_dimension)!,
                             text: text_dimension, camera: camera_dimension)
    }
}

extension dipp_generator_descriptor {
    var conditionNeeds: PluginConditionNeeds {
        PluginConditionNeeds(structSize: struct_size, textOffset: MemoryLayout<Self>.offset(of: \Self.text_dimension)!,
                             text: text_dimension, camera: camera_dimension)
    }
}

extension PluginABI {
    /// A host-owned copy of a plugin's struct `T` (a table or descriptor starting with
    /// `uint32_t struct_size`): the bytes `struct_size` covers, zeros after them. A 1.0 plugin's
    /// smaller struct is never read past its end, and fields it lacks read as NULL / 0.
    static func copy<T>(_ raw: UnsafeRawPointer, as type: T.Type) -> T {
        let size = min(Int(raw.load(as: UInt32.self)), MemoryLayout<T>.size)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
        buffer.copyMemory(from: raw, byteCount: size)
        return buffer.load(as: T.self)
    }

    /// A copy of `value` in memory the host owns for as long as the instance that holds it.
    static func pinned<T>(_ value: T) -> UnsafePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
        p.initialize(to: value)
        return UnsafePointer(p)
    }
}
