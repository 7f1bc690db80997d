import CDIPPPluginABI
import Foundation

/// A plugin `.so` loaded with `dlopen(RTLD_NOW | RTLD_LOCAL)` whose entry symbol accepted the
/// host's ABI major version. Libraries are never closed (unloading Swift or Rust code can leave
/// dangling metadata), so a loaded plugin lives as long as the process.
public final class PluginLibrary: @unchecked Sendable {
    public let path: String
    /// The plugin's id, name and version from its entry table.
    public let id: String
    public let name: String
    public let version: String
    public let abiMinor: UInt32
    let entry: UnsafePointer<dipp_plugin_info>

    /// Loads and version-checks the library at `path` (relative paths, bare file names too,
    /// are resolved against the current folder — never searched for on the library path).
    public init(path given: String) throws {
        let path = URL(fileURLWithPath: given).standardizedFileURL.path
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw PluginError(.notLoadable, location: path, what: "the file does not exist",
                              hint: "check the path (relative paths are resolved against the current folder)")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw PluginError(.notLoadable, location: path, what: "dlopen failed: \(reason)",
                              hint: "pass a shared library (.so) built for this machine")
        }
        guard let symbol = dlsym(handle, DIPP_PLUGIN_ENTRY_SYMBOL) else {
            throw PluginError(.missingEntry, location: path, what: "the library does not export \(DIPP_PLUGIN_ENTRY_SYMBOL)",
                              hint: "export `const dipp_plugin_info *dipp_plugin_entry(uint32_t)` (see dipp_plugin.h)")
        }
        let function = unsafeBitCast(symbol, to: dipp_plugin_entry_function.self)
        guard let entry = function(DIPP_ABI_MAJOR) else {
            throw PluginError(.versionMismatch, location: path, what: "the plugin refused ABI major version \(DIPP_ABI_MAJOR)",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        guard entry.pointee.struct_size >= UInt32(MemoryLayout<dipp_plugin_info>.size) else {
            throw PluginError(.tableTooSmall, location: path, what: "dipp_plugin_info has struct_size \(entry.pointee.struct_size), ABI 1.0 needs \(MemoryLayout<dipp_plugin_info>.size)",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        guard entry.pointee.abi_major == DIPP_ABI_MAJOR else {
            throw PluginError(.versionMismatch, location: path, what: "the plugin implements ABI \(entry.pointee.abi_major).\(entry.pointee.abi_minor), the host \(DIPP_ABI_MAJOR).\(DIPP_ABI_MINOR)",
                              hint: "rebuild the plugin against this DIPP's dipp_plugin.h")
        }
        self.entry = entry
        id = entry.pointee.id.map { String(cString: $0) } ?? ""
        name = entry.pointee.name.map { String(cString: $0) } ?? ""
        version = entry.pointee.version.map { String(cString: $0) } ?? ""
        abiMinor = entry.pointee.abi_minor
    }

    /// The capability table for `id`, or `nil` when the plugin does not provide it.
    public func capability(_ id: String) -> UnsafeRawPointer? {
        entry.pointee.get_capability?(id)
    }
}
