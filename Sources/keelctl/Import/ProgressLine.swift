import Foundation
import Rainbow

/// A live one-line progress display on standard error: records, MB/s, percentage, ETA.
/// Redrawn in place on a terminal; printed every few seconds otherwise (logs, CI).
struct ProgressLine {
    let totalBytes: UInt64
    let started = ContinuousClock.now
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDraw = ContinuousClock.now - .seconds(60)

    init(totalBytes: UInt64) {
        self.totalBytes = totalBytes
    }

    mutating func update(bytesDone: UInt64, bytesThisRun: UInt64, records: Int, failed: Int, force: Bool = false) {
        let now = ContinuousClock.now
        let interval: Duration = isTerminal ? .milliseconds(200) : .seconds(5)
        guard force || now - lastDraw >= interval else { return }
        lastDraw = now
        let seconds = max(Self.seconds(now - started), 0.001)
        let rate = Double(bytesThisRun) / seconds
        let fraction = totalBytes == 0 ? 1 : Double(bytesDone) / Double(totalBytes)
        let remaining = rate > 0 ? Double(totalBytes - min(bytesDone, totalBytes)) / rate : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let failures = failed > 0 ? "  \(failed) failed".red : ""
        let line = "\(isTerminal ? bar.green : "") \(String(format: "%5.1f%%", fraction * 100))  \(records) records  "
            + "\(String(format: "%.1f", rate / 1_048_576)) MB/s  ETA \(Self.clock(remaining))\(failures)"
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + line + (isTerminal ? "" : "\n")).utf8))
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
