/// The outcome of one seed: the violations found (empty: the run passed), what the run
/// did, and how to replay it.
public struct SimulationReport: Sendable, CustomStringConvertible {
    public var seed: UInt64
    /// The drawn cast: data nodes, shards, replicas per shard.
    public var dataNodes: Int
    public var shards: Int
    public var replicas: Int
    public var violations: [Violation]
    public var statistics: SimulationStatistics
    /// The operations and their outcomes (including the final reads).
    public var history: OperationHistory
    /// The last trace lines, when tracing was on.
    public var trace: [String]
    /// One line that replays this run.
    public var replayCommand: String

    public var passed: Bool { violations.isEmpty }

    public var description: String {
        var lines = [
            "seed \(seed): \(passed ? "passed" : "FAILED") — \(dataNodes) nodes, \(shards) shards, \(replicas) replicas",
            "  \(statistics.summary)",
        ]
        lines += violations.map { "  \($0)" }
        if !passed { lines.append("  replay: \(replayCommand)") }
        if !trace.isEmpty { lines.append("  trace (last \(trace.count) lines):") }
        lines += trace.map { "    \($0)" }
        return lines.joined(separator: "\n")
    }
}
