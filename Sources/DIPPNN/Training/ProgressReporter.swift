import Foundation

/// A console progress bar with metrics and ETA:
/// `[██████░░░░░░]  1200/5000  loss 0.1234  12.3 it/s  ETA 0:05:08`.
/// On a terminal it redraws one line (at most 5 times a second); otherwise (CI, logs) it
/// prints a line every 10%.
public final class ProgressReporter {
    let total: Int
    let label: String
    let start = Date()
    let startStep: Int
    var lastDraw = Date.distantPast
    var lastDecile = -1
    let interactive = isatty(2) != 0

    public init(total: Int, label: String, startStep: Int = 0) {
        self.total = max(total, 1)
        self.label = label
        self.startStep = startStep
    }

    /// Reports that `step` steps are done, with named metrics.
    public func update(step: Int, metrics: [(String, Float)]) {
        let decile = step * 10 / total
        let now = Date()
        if interactive {
            guard now.timeIntervalSince(lastDraw) > 0.2 || step == total else { return }
        } else {
            guard decile > lastDecile || step == total else { return }
        }
        lastDraw = now
        lastDecile = decile
        let elapsed = now.timeIntervalSince(start)
        let rate = Double(step - startStep) / max(elapsed, 1e-9)
        let eta = rate > 0 ? Double(total - step) / rate : 0
        let width = 24
        let filled = width * step / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let numbers = metrics.map { String(format: "%@ %.4g", $0.0, $0.1) }.joined(separator: "  ")
        let line = String(format: "%@ [%@] %d/%d  %@  %.1f it/s  ETA %@", label, bar, step, total, numbers, rate, Self.clock(eta))
        FileHandle.standardError.write(Data(((interactive ? "\r" : "") + line + (interactive && step < total ? "" : "\n")).utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }
}
