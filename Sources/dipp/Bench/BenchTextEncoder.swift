import ArgumentParser
import DIPPData
import DIPPTensor
import DIPPText
import Foundation

/// `dipp bench text-encoder`: all-MiniLM-L6-v2 throughput in sentences per second — tokenising
/// and encoding the 210 digit prompts (``DigitCaptions``: every training phrasing and held-out
/// paraphrase, 21 per digit) in batches of 64, no cache. `Tests/Reference/bench_text_encoder_torch.py`
/// is the same workload in PyTorch.
struct BenchTextEncoder: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "text-encoder", abstract: "Sentences per second of the all-MiniLM-L6-v2 encoder on the 210 digit prompts.")

    @Option(help: "Thread counts, comma-separated.") var threads = PositiveIntegers(argument: "1,2")!
    @Option(help: "Timed seconds per measurement (after 2 warm-up passes).") var seconds: Double = 5

    /// The workload: per digit, training phrasings (plain, thin, bold), then held-out ones.
    static var prompts: [String] {
        (0..<10).flatMap { d in
            let kinds: [DigitCaptions.Thickness?] = [nil, .thin, .bold]
            return kinds.flatMap { DigitCaptions.training(d, $0) } + kinds.flatMap { DigitCaptions.heldOut(d, $0) }
        }
    }

    func run() throws {
        let counts = threads.values
        printMachineHeader()
        let encoder = try MiniLM.load()
        let prompts = Self.prompts
        for n in counts {
            Compute.threads = n
            for _ in 0..<2 { _ = withoutGradients { encoder.embed(prompts) } }
            let start = DispatchTime.now().uptimeNanoseconds
            var passes = 0
            while passes < 3 || Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < seconds {
                _ = withoutGradients { encoder.embed(prompts) }
                passes += 1
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            print(String(format: "DIPP, %d thread(s): %.1f sentences/s (%d passes of %d)", n, Double(passes * prompts.count) / elapsed, passes, prompts.count))
        }
    }
}
