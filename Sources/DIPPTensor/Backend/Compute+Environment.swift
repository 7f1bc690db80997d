import Foundation

extension Compute {
    /// The thread counts `DIPP_THREADS` and `--threads` accept.
    public static let threadRange = 1...4096

    /// Checks every compute variable of `environment` (`DIPP_PRECISION`, `DIPP_CONVOLUTION`,
    /// `DIPP_THREADS`, `DIPP_MAX_ISA`) and throws ``EnvironmentError`` for the first malformed
    /// one. `dipp` calls it before any work, so a typo stops the run (exit 1) instead of being
    /// ignored; the library itself, unchecked, warns once and uses the default.
    public static func checkEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        _ = try setting("DIPP_PRECISION", as: Precision.self, environment)
        _ = try setting("DIPP_CONVOLUTION", as: ConvolutionAlgorithm.self, environment)
        _ = try threadsSetting(environment)
        if let value = environment["DIPP_MAX_ISA"], !value.isEmpty {
            guard CPU.Level(name: value) != nil else {
                throw EnvironmentError(location: "DIPP_MAX_ISA", what: "'\(value)' names no instruction-set level",
                                       hint: "one of \(CPU.Level.allCases.map(\.description).joined(separator: ", ")), or unset it")
            }
            // The cap was read before main; oneDNN refuses it only when built without the option.
            if let status = CPU.current.oneDNNCapFailure, value == ProcessInfo.processInfo.environment["DIPP_MAX_ISA"] {
                throw EnvironmentError(location: "DIPP_MAX_ISA", what: "oneDNN did not accept the cap (dnnl_set_max_cpu_isa status \(status)): its kernels would run uncapped",
                                       hint: "use a oneDNN built with the ISA cap (Debian's libdnnl is), or unset it")
            }
        }
    }

    /// The value of variable `name` as one of `T`'s cases (by raw value, case-insensitive); nil
    /// when unset or empty.
    static func setting<T: RawRepresentable & CaseIterable>(_ name: String, as _: T.Type,
                                                            _ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> T?
    where T.RawValue == String {
        guard let value = environment[name], !value.isEmpty else { return nil }
        guard let choice = T(rawValue: value.lowercased()) else {
            let choices = T.allCases.map(\.rawValue).joined(separator: " or ")
            throw EnvironmentError(location: name, what: "'\(value)' is not \(choices)", hint: "\(name)=\(T.allCases.first!.rawValue), or unset it")
        }
        return choice
    }

    /// `DIPP_THREADS` as a positive thread count; nil when unset or empty.
    static func threadsSetting(_ environment: [String: String]) throws -> Int? {
        guard let value = environment["DIPP_THREADS"], !value.isEmpty else { return nil }
        guard let threads = Int(value.trimmingCharacters(in: .whitespaces)), Compute.threadRange.contains(threads) else {
            throw EnvironmentError(location: "DIPP_THREADS", what: "'\(value)' is not a number of threads from 1 to \(Compute.threadRange.upperBound)",
                                   hint: "e.g. DIPP_THREADS=\(ProcessInfo.processInfo.activeProcessorCount), or unset it for all cores")
        }
        return threads
    }

    /// `body`'s value, or nil after a one-line warning on standard error when it throws: how the
    /// library reads the environment when no caller checked it.
    static func lenient<T>(_ body: () throws -> T?) -> T? {
        do {
            return try body()
        } catch {
            FileHandle.standardError.write(Data("warning: \(error) (the default is used)\n".utf8))
            return nil
        }
    }
}
