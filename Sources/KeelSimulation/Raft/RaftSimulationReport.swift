import KeelRaft

/// The outcome of one `RaftSimulation` run.
public struct RaftSimulationReport: Sendable {
    /// Counts of what happened, for reports and for tests that a fault mix really ran.
    public struct Statistics: Sendable {
        public var events = 0
        public var steps = 0
        public var leadersElected = 0
        public var crashes = 0
        public var restarts = 0
        public var partitions = 0
        public var pauses = 0
        public var compactions = 0
        public var snapshotsInstalled = 0
        public var transfers = 0
        public var configChangesProposed = 0
        /// Membership changes committed during the run (the bootstrap members not counted).
        public var configChangesCommitted = 0
        public var readsServed = 0
        public var writesApplied = 0
        public var operationsCompleted = 0
        public var operationsAbandoned = 0
        public var maxCommittedIndex: UInt64 = 0
        public var buggifyFirings = 0
        public var uncheckedKeys = 0
        /// Simulated nanoseconds from healing to the liveness proposal being applied.
        public var recoveryNanoseconds: UInt64 = 0
        public var network = NetworkStatistics()

        public init() {}
    }

    public let seed: UInt64
    public let options: RaftSimulationOptions
    /// The first broken guarantee, or nil for a clean run.
    public let violation: RaftInvariantViolation?
    /// Fingerprint of every event of the run: equal for equal options.
    public let traceHash: UInt64
    public let statistics: Statistics
    /// The clients' recorded history (what the linearizability checker judged).
    public let history: [LinearizabilityOperation<SimKV>]
    /// The last trace lines, when the options kept them.
    public let traceLines: [String]
    /// Simulated time at the end of the run, in nanoseconds.
    public let endedAt: UInt64

    public var passed: Bool { violation == nil }

    /// What to print for a failed run: the violation, the run's shape, and a command that
    /// replays exactly this seed (`filter` names the test to run).
    public func failureMessage(filter: String) -> String {
        let profile = options.profile.map { RaftSimulationOptions.profiles[$0] } ?? "custom"
        var lines = [
            "Raft simulation failed, seed \(seed) (\(options.nodeCount) nodes, profile \(profile), reads \(options.readMode)):",
            "  \(violation.map(String.init(describing:)) ?? "no violation")",
            "replay: KEEL_SIM_SEED=\(seed) swift test --filter \(filter)",
            "  (add KEEL_SIM_TRACE=1 to print the last events)",
        ]
        if !traceLines.isEmpty { lines += ["last events:"] + traceLines.map { "  " + $0 } }
        return lines.joined(separator: "\n")
    }
}
