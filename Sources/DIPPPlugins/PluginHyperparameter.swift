import CDIPPPluginABI
import Foundation

/// A numeric hyper-parameter as a plugin declares it (`dipp_hyperparameter`).
public struct PluginHyperparameter: Sendable, Equatable {
    public let name: String
    public let description: String
    public let defaultValue: Double
    public let minimum: Double
    public let maximum: Double

    /// The `count` declarations at `list` (an empty array for NULL).
    static func list(_ list: UnsafePointer<dipp_hyperparameter>?, count: UInt32) -> [PluginHyperparameter] {
        guard let list else { return [] }
        return (0..<Int(count)).map { i in
            let h = list[i]
            return PluginHyperparameter(name: h.name.map { String(cString: $0) } ?? "", description: h.description.map { String(cString: $0) } ?? "",
                                        defaultValue: h.default_value, minimum: h.minimum, maximum: h.maximum)
        }
    }

    /// Values in declaration order from `name → value` settings: defaults where unset; an
    /// unknown name or a value outside `[minimum, maximum]` is an error before the plugin sees it.
    public static func values(_ settings: [String: Double], declared: [PluginHyperparameter], plugin: String) throws -> [Double] {
        let names = Set(declared.map(\.name))
        if let unknown = settings.keys.sorted().first(where: { !names.contains($0) }) {
            throw PluginError(.invalidHyperparameter, location: "\(plugin), hyper-parameter '\(unknown)'", what: "the plugin declares no such hyper-parameter",
                              hint: declared.isEmpty ? "this plugin takes none" : "one of \(declared.map(\.name).joined(separator: ", ")) (see `dipp plugin inspect`)")
        }
        return try declared.map { h in
            let value = settings[h.name] ?? h.defaultValue
            guard value >= h.minimum && value <= h.maximum else {
                throw PluginError(.invalidHyperparameter, location: "\(plugin), hyper-parameter '\(h.name)'", what: "\(value) is outside [\(h.minimum), \(h.maximum)]",
                                  hint: "\(h.description) (default \(h.defaultValue))")
            }
            return value
        }
    }

    /// Parses `name=value` settings (command-line form).
    public static func settings(_ pairs: [String]) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let value = Double(parts[1]) else {
                throw PluginError(.invalidHyperparameter, location: "'\(pair)'", what: "not a name=number setting", hint: "e.g. width=128")
            }
            result[parts[0]] = value
        }
        return result
    }
}

/// The message a plugin wrote into an error buffer.
func pluginMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The shape `rank` int64s at `shape` describe.
func pluginShape(_ shape: UnsafePointer<Int64>?, rank: UInt32) -> [Int] {
    guard let shape else { return [] }
    return (0..<Int(rank)).map { Int(shape[$0]) }
}

/// Calls a table's `create` with `hyperparameters`: the new instance, or a ``PluginError``
/// carrying the plugin's message.
func createInstance(_ create: (UnsafePointer<Double>?, UInt32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<CChar>?, Int) -> dipp_status,
                    hyperparameters: [Double], library: PluginLibrary) throws -> UnsafeMutableRawPointer {
    var error = [CChar](repeating: 0, count: 512)
    var made: UnsafeMutableRawPointer?
    let status = create(hyperparameters, UInt32(hyperparameters.count), &made, &error, error.count)
    guard status == DIPP_OK, let made else {
        throw PluginError(.callFailed, location: "\(library.path), create", what: "status \(status.rawValue): \(pluginMessage(error))",
                          hint: "check the hyper-parameters against `dipp plugin inspect`")
    }
    return made
}
