import CDIPPBackend
import Foundation

/// The CPU as every kernel choice sees it: its instruction-set level, capped by `DIPP_MAX_ISA`,
/// and what oneDNN can create under that cap.
///
/// The level and the cap are read once, before `main` (the C probe in `cpu.c`), which also caps
/// oneDNN (`dnnl_set_max_cpu_isa`) and selects DIPP's element-wise kernels; oneDNN's
/// capabilities are found on first use by trying them. A cap only lowers the level: on an
/// AVX-512 machine `DIPP_MAX_ISA=avx2` runs the same kernels a Zen 3 runs, which is how the
/// AVX2 paths are tested on any machine (`.ci/run`).
public struct CPU: Sendable {
    /// Instruction-set levels, lowest first.
    public enum Level: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
        /// x86-64 with SSE2: the portable kernels.
        case baseline
        /// AVX2 + FMA (AMD Zen 1–3, Intel Haswell and later).
        case avx2
        /// AVX-512 F, BW, DQ, VL (Intel Skylake-SP and later).
        case avx512
        /// AVX-512 with AVX512-BF16 dot products (AMD Zen 4 and later, Intel Cooper Lake).
        case avx512BF16
        /// AVX-512 with AMX-BF16 tiles (Intel Sapphire Rapids and later).
        case amx

        /// The name `DIPP_MAX_ISA` takes: `baseline`, `avx2`, `avx512`, `avx512_bf16`, `amx`.
        public var description: String { String(cString: dipp_isa_name(Int32(rawValue))) }

        /// The level named `name` (case-insensitive), or nil.
        public init?(name: String) {
            let raw = dipp_isa_from_name(name)
            guard raw >= 0 else { return nil }
            self.init(rawValue: Int(raw))
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// The CPU's own level, and the one in effect (the lower of it and `DIPP_MAX_ISA`).
    public let native: Level, level: Level
    /// `DIPP_MAX_ISA` as a level (nil when unset or invalid).
    public let cap: Level?
    /// `DIPP_MAX_ISA` when it names no level (then ignored by the kernels with a warning, refused
    /// by `dipp`).
    public let invalidCap: String?
    /// oneDNN's status when the cap could not be applied to it (`dnnl_set_max_cpu_isa`; e.g. a
    /// build without the option), else nil: `dipp` refuses to run capped kernels only in part.
    public let oneDNNCapFailure: Int?
    /// Native features, as CPUID and the OS report them.
    public let features: [(name: String, present: Bool)]
    /// oneDNN under the cap: its bf16 GEMM, a bf16 convolution and Winograd convolutions run
    /// here natively (without them DIPP emulates bf16 and convolves directly).
    public let bf16GEMM: Bool, bf16Convolution: Bool, winograd: Bool
    /// The ISA oneDNN's JIT kernels use, in its words, and the versions of oneDNN and LAPACK.
    public let oneDNNISA: String, oneDNNVersion: String, lapackVersion: String

    /// The probe's answer for this process.
    public static let current = CPU()

    private init() {
        let info = dipp_cpu()!.pointee
        native = Level(rawValue: Int(info.native_isa)) ?? .baseline
        level = Level(rawValue: Int(info.isa)) ?? .baseline
        cap = info.cap >= 0 ? Level(rawValue: Int(info.cap)) : nil
        var text = info.cap_text
        invalidCap = info.cap_invalid != 0 ? withUnsafeBytes(of: &text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } : nil
        oneDNNCapFailure = info.onednn_cap_status != 0 ? Int(info.onednn_cap_status) : nil
        features = [("avx2", info.avx2 != 0), ("fma", info.fma != 0), ("avx512f", info.avx512f != 0), ("avx512bw", info.avx512bw != 0),
                    ("avx512_bf16", info.avx512_bf16 != 0), ("amx_bf16", info.amx != 0)]
        (bf16GEMM, bf16Convolution, winograd) = (info.bf16_gemm != 0, info.bf16_conv != 0, info.winograd != 0)
        oneDNNISA = String(cString: dipp_onednn_isa_name())
        var (major, minor, patch): (Int32, Int32, Int32) = (0, 0, 0)
        dipp_onednn_version(&major, &minor, &patch)
        oneDNNVersion = "\(major).\(minor).\(patch)"
        dipp_lapack_version(&major, &minor, &patch)
        lapackVersion = "\(major).\(minor).\(patch)"
    }

    /// Whether bf16 products run on bf16 hardware here; otherwise they are emulated (operands
    /// rounded to bfloat16, products in fp32: the same numbers up to summation order, no speed-up).
    public var hasNativeBF16: Bool { bf16GEMM && bf16Convolution }

    /// `precision`'s name as reports print it: `bf16 (emulated)` where ``hasNativeBF16`` is false.
    public func label(_ precision: Compute.Precision) -> String {
        precision == .bf16 && !hasNativeBF16 ? "bf16 (emulated)" : precision.rawValue
    }

    /// The CPU's model name (`/proc/cpuinfo`), or "unknown".
    public static var modelName: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// The kernel each precision's matrix products use here.
    public func gemmKernel(_ precision: Compute.Precision) -> String {
        switch precision {
        case .fp32: return "oneDNN sgemm (\(oneDNNISA))"
        case .bf16: return bf16GEMM ? "oneDNN bf16 GEMM (\(oneDNNISA))" : "emulated: operands rounded to bf16, oneDNN sgemm (no bf16 speed-up)"
        }
    }

    /// The convolution kernels `algorithm` and `precision` use here.
    public func convolutionKernel(_ precision: Compute.Precision, _ algorithm: Compute.ConvolutionAlgorithm) -> String {
        switch (precision, algorithm) {
        case (.fp32, .winograd):
            return winograd ? "oneDNN Winograd F(4x4,3x3) where a shape qualifies, direct elsewhere" : "oneDNN direct (no Winograd kernels on this ISA)"
        case (.fp32, .direct): return "oneDNN direct"
        case (.bf16, _):
            return bf16Convolution ? "oneDNN direct bf16" : "emulated: operands rounded to bf16, oneDNN direct fp32 (no bf16 speed-up)"
        }
    }

    /// The probe as `dipp info` and the benchmarks' headers print it, one fact a line.
    public var report: [String] {
        let capText = invalidCap.map { "'\($0)' is not a level (ignored)" }
            ?? cap.map { "\($0)" + (oneDNNCapFailure.map { ", not applied to oneDNN (status \($0))" } ?? "") } ?? "unset"
        return [
            "cpu: \(Self.modelName), \(ProcessInfo.processInfo.activeProcessorCount) cores",
            "features: " + features.map { "\($0.name) \($0.present ? "yes" : "no")" }.joined(separator: ", "),
            "isa: \(level) (native \(native); DIPP_MAX_ISA \(capText))",
            "element-wise kernels: \(level >= .avx512 ? "avx512" : level >= .avx2 ? "avx2" : "baseline")",
            "oneDNN \(oneDNNVersion): \(oneDNNISA); bf16 GEMM \(bf16GEMM ? "native" : "emulated"), bf16 convolution \(bf16Convolution ? "native" : "emulated"), Winograd \(winograd ? "yes" : "no")",
        ]
    }
}
