import ArgumentParser
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation

/// Options every compute command takes.
struct ComputeOptions: ParsableArguments {
    @Option(help: "Threads for matrix multiplies (default: DIPP_THREADS or all cores).")
    var threads: Int?

    @Option(help: "Precision of the matrix products and convolutions: fp32, or bf16 (operands rounded to bfloat16, fp32 accumulation; default: DIPP_PRECISION or fp32).")
    var precision: Compute.Precision?

    @Option(help: "Convolution algorithm: winograd (3x3 stride-1 fp32 convolutions with channel counts multiples of 16, where oneDNN has the kernels; direct elsewhere) or direct (default: DIPP_CONVOLUTION or winograd).")
    var convolution: Compute.ConvolutionAlgorithm?

    func validate() throws {
        if let threads, !Compute.threadRange.contains(threads) {
            throw ValidationError("--threads must be between 1 and \(Compute.threadRange.upperBound), e.g. --threads 2")
        }
    }

    /// Applies the flags. Under `mpirun` without `--threads` or `DIPP_THREADS`, the cores are
    /// shared among the ranks on this machine (`OMPI_COMM_WORLD_LOCAL_SIZE`), so that N ranks
    /// on one machine do not oversubscribe it. bf16 on a CPU without bf16 kernels runs emulated
    /// (``CPU/hasNativeBF16``), with a one-line note on standard error unless `quiet`.
    func apply(quiet: Bool = false) throws {
        if let t = threads {
            Compute.threads = t
        } else if let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init),
                  ProcessInfo.processInfo.environment["DIPP_THREADS"] == nil, local > 1 {
            Compute.threads = max(1, ProcessInfo.processInfo.activeProcessorCount / local)
        }
        if let precision { Compute.precision = precision }
        if let convolution { Compute.convolutionAlgorithm = convolution }
        if Compute.precision == .bf16 && !CPU.current.hasNativeBF16 && !quiet {
            FileHandle.standardError.write(Data("""
                note: bf16 is emulated on this CPU (ISA \(CPU.current.level), no bf16 kernels in oneDNN): operands are rounded to \
                bfloat16 and multiplied in fp32 — the same numbers up to summation order, no speed-up (dipp info)\n
                """.utf8))
        }
    }
}

extension ComponentSpec {
    /// A component flag's value: a name, or a JSON object with its options (`--sampler`, `--divergence`).
    init(argument text: String, flag: String, example: String) throws {
        guard text.hasPrefix("{") else {
            self.init(text)
            return
        }
        do {
            self = try JSONDecoder().decode(ComponentSpec.self, from: Data(text.utf8))
        } catch {
            throw ConfigurationError(location: flag, what: "not a component object", hint: "e.g. '\(example)'")
        }
    }
}

extension Compute.Precision: ExpressibleByArgument {}
extension Compute.ConvolutionAlgorithm: ExpressibleByArgument {}

/// A comma-separated list of positive integers: `--threads 1,2` of the benchmarks, `--hidden 128,128`.
struct PositiveIntegers: ExpressibleByArgument {
    let values: [Int]

    init?(argument: String) {
        let values = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        self.values = values.map { $0! }
    }

    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}

/// `--precision` of the benchmarks: comma-separated precisions, e.g. `fp32,bf16`.
func precisionList(_ text: String) throws -> [Compute.Precision] {
    try text.split(separator: ",").map { name in
        guard let p = Compute.Precision(rawValue: String(name)) else { throw ValidationError("--precision: fp32, bf16 or fp32,bf16") }
        return p
    }
}

/// Prints a user-facing error the house way (where: what, then the hint) and exits with status 1;
/// usage errors (``ValidationError``, thrown from `validate()`) are left to ArgumentParser, which
/// prints the usage and exits with 64.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DiagnosticError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode.failure
    }
}

/// Runs `body` as one rank of the job the environment describes (`mpirun`: MPI; else one
/// process), and finalises MPI after it, however it ends.
func withCommunicator<T>(_ body: (any Communicator) throws -> T) throws -> T {
    let communicator = try Communicators.fromEnvironment()
    defer { (communicator as? MPICommunicator)?.finalize() }
    return try body(communicator)
}

/// The flags a command applies to its configuration, with the keys they name (the `flag` stage
/// of `--show-config`).
struct FlagStage {
    private(set) var keys = Set<String>()

    /// Applies `value` when the flag was given, naming `key`.
    mutating func set<T>(_ value: T?, _ key: String, _ apply: (T) -> Void) {
        guard let value else { return }
        apply(value)
        keys.insert(key)
    }

    /// Names `key` when a flag that sets it (one applied separately) was given.
    mutating func name(_ key: String, given: Bool) {
        if given { keys.insert(key) }
    }
}

extension IntegralKL.Weighting: ExpressibleByArgument {}
extension Preset: ExpressibleByArgument {}
extension RewardNormalization: ExpressibleByArgument {}
extension HiddenUtility: ExpressibleByArgument {}
