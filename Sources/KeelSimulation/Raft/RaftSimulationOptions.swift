@_spi(Testing) import KeelRaft

/// Everything that shapes one Raft simulation run. `RaftSimulationOptions.forSeed(_:)`
/// draws a run's shape and fault mix from its seed, so a seed alone names a run.
public struct RaftSimulationOptions: Sendable {
    /// The seed every random choice of the run derives from.
    public var seed: UInt64
    /// Initial voters, ids 1...nodeCount.
    public var nodeCount: Int
    /// Simulated time with faults, then the liveness phase (faults healed).
    public var chaosNanoseconds: UInt64
    /// After healing, a leader must commit a new proposal within this many nominal ticks.
    public var livenessTicks: Int
    public var clock: SimClock.Settings
    /// Per-node clock drift, by node id − 1, overriding the drawn drift where given.
    public var clockDrifts: [Double] = []
    public var network: NetworkFaults
    public var disk: DiskFaults
    public var faults: FaultMix
    public var clients: ClientSettings
    public var buggify: Buggify.Settings
    /// How clients' reads are confirmed.
    public var readMode: ReadMode
    /// The Raft settings every node uses (id and seed are filled in per node).
    public var raft: RaftTemplate
    /// Check each confirmed read against the commits made before it (the `stale_read`
    /// invariant). Off only to show that the history checker alone catches stale reads.
    public var checksReadSafety = true
    /// How the simulated shell lays one output's entries and hard state on disk.
    public var persistence: Persistence
    /// Keep the last lines of the event trace, to print when the run fails.
    public var keepsTraceLines: Bool

    /// How a shell writes the entries and hard state of one output (step 2 of the output
    /// contract, docs/raft.md).
    public enum Persistence: Sendable {
        /// One record that lands whole or not at all (a write-ahead-log batch with one
        /// checksum).
        case oneRecordPerOutput
        /// The entries, then the hard state, as separate writes, as `KeelRaftStorage` does:
        /// a crash between them leaves entries of a term newer than the hard state's, which
        /// the core accepts (docs/raft-simulation-bugs.md, RAFT-BUG-1). The default.
        case entriesThenHardState
    }

    /// Raft settings shared by the nodes of a run.
    public struct RaftTemplate: Sendable {
        public var electionTicks = 10
        public var heartbeatTicks = 1
        public var preVote = true
        public var checkQuorum = true
        public var maxMessageBytes = 1 << 20
        public var maxInflightMessages = 256
        public var maxSnapshotChunkBytes = 1 << 20
        #if DEBUG
        /// Deliberate protocol bugs (debug builds only), for showing the simulator catches them.
        @_spi(Testing) public var injectedBugs: Set<InjectedBug> = []
        #endif

        public init() {}

        func config(for id: RaftNodeID, seed: UInt64) -> RaftConfig {
            var config = RaftConfig(
                id: id, electionTicks: electionTicks, heartbeatTicks: heartbeatTicks, seed: seed, preVote: preVote,
                checkQuorum: checkQuorum, maxMessageBytes: maxMessageBytes, maxInflightMessages: maxInflightMessages,
                maxSnapshotChunkBytes: maxSnapshotChunkBytes)
            #if DEBUG
            config.injectedBugs = injectedBugs
            #endif
            return config
        }
    }

    /// How often each kind of fault strikes. Rates are per fault round (one every
    /// `roundNanoseconds`); durations in simulated nanoseconds.
    public struct FaultMix: Sendable, Hashable {
        public var roundNanoseconds: UInt64 = 50_000_000
        /// Crash one running node (losing what it had not synced).
        public var crashProbability = 0.0
        public var downtimeNanoseconds: ClosedRange<UInt64> = 20_000_000...400_000_000
        /// Crash a leader at a critical moment (just elected, or just advanced its commit
        /// index), after it persisted but before it sent that step's messages.
        public var leaderCrashProbability = 0.0
        /// Cut the network: split in two, isolate the leader, or cut one direction of a link.
        public var partitionProbability = 0.0
        public var partitionNanoseconds: ClosedRange<UInt64> = 50_000_000...600_000_000
        /// Pause a node's process (it resumes with the ticks it missed).
        public var pauseProbability = 0.0
        public var pauseNanoseconds: ClosedRange<UInt64> = 20_000_000...300_000_000
        /// Compact a node's log into a snapshot (exercises snapshot install).
        public var compactionProbability = 0.0
        /// Ask the leader to hand leadership to another voter.
        public var transferProbability = 0.0
        /// Propose a membership change (add a learner, promote, remove a voter).
        public var membershipChangeProbability = 0.0
        /// Node ids beyond the initial voters that membership changes may add.
        public var spareNodes = 0
        /// How long after its removal commits a removed node is shut down, at most.
        public var retireDelayNanoseconds: UInt64 = 50_000_000

        public init() {}
    }

    /// The clients whose history is checked for linearizability.
    public struct ClientSettings: Sendable, Hashable {
        public var count = 3
        public var keys = 3
        /// Pause between a client's operations.
        public var thinkNanoseconds: ClosedRange<UInt64> = 0...20_000_000
        /// How long a client waits for one attempt before trying another node.
        public var attemptTimeoutNanoseconds: UInt64 = 150_000_000
        /// Attempts per operation before the client gives up (outcome unknown).
        public var maxAttempts = 4
        /// Fraction of reads sent to a random node rather than the presumed leader.
        public var followerReadProbability = 0.3

        public init() {}
    }

    public init(seed: UInt64) {
        self.seed = seed
        nodeCount = 3
        chaosNanoseconds = 2_000_000_000
        livenessTicks = 200
        clock = SimClock.Settings()
        network = .reliable
        disk = .loseUnsynced
        faults = FaultMix()
        clients = ClientSettings()
        buggify = .disabled
        readMode = .readIndex
        raft = RaftTemplate()
        persistence = .entriesThenHardState
        keepsTraceLines = false
    }

    /// The names of the fault profiles `forSeed` draws from, for reports.
    public static let profiles = ["calm", "lossy", "partitions", "crashes", "pauses", "membership", "everything"]

    /// A run whose shape and fault mix come from `seed`: 3 or 5 nodes, ReadIndex or lease
    /// reads, and one of `profiles`, each with its rates drawn at random.
    public static func forSeed(_ seed: UInt64) -> RaftSimulationOptions {
        var options = RaftSimulationOptions(seed: seed)
        var random = SimRandom(seed: seed).derive(stream: 0x0F7)
        options.nodeCount = random.chance(0.5) ? 3 : 5
        options.readMode = random.chance(0.5) ? .readIndex : .lease
        options.buggify = Buggify.Settings(enabled: random.chance(0.5))
        if random.chance(0.25) {
            options.raft.maxMessageBytes = 64  // one entry per append: many small rounds
            options.raft.maxInflightMessages = random.int(in: 1...4)
            options.raft.maxSnapshotChunkBytes = 32
        }
        options.faults.compactionProbability = random.chance(0.5) ? 0.2 : 0
        options.applyProfile(Int(random.below(UInt64(profiles.count))), random: &random)
        return options
    }

    /// Index into `profiles` of the fault profile `forSeed` chose; nil for options shaped by hand.
    public private(set) var profile: Int?

    mutating func applyProfile(_ index: Int, random: inout SimRandom) {
        profile = index
        func lossy() {
            network.lossProbability = random.unitInterval() * 0.15
            network.duplicateProbability = random.unitInterval() * 0.1
            network.reorderProbability = random.unitInterval() * 0.2
        }
        switch Self.profiles[index] {
        case "lossy":
            lossy()
        case "partitions":
            faults.partitionProbability = 0.1 + random.unitInterval() * 0.2
            faults.transferProbability = 0.05
        case "crashes":
            faults.crashProbability = 0.05 + random.unitInterval() * 0.15
            faults.leaderCrashProbability = random.unitInterval() * 0.05
            disk = DiskFaults()
        case "pauses":
            faults.pauseProbability = 0.05 + random.unitInterval() * 0.15
            clock.maxDriftFraction = 0.03
        case "membership":
            faults.membershipChangeProbability = 0.15 + random.unitInterval() * 0.25
            faults.spareNodes = 3
            faults.crashProbability = random.unitInterval() * 0.1
            faults.partitionProbability = random.unitInterval() * 0.1
            faults.transferProbability = 0.03
            disk = DiskFaults()
        case "everything":
            lossy()
            faults.membershipChangeProbability = random.unitInterval() * 0.1
            faults.spareNodes = 2
            faults.partitionProbability = random.unitInterval() * 0.15
            faults.crashProbability = random.unitInterval() * 0.1
            faults.leaderCrashProbability = random.unitInterval() * 0.02
            faults.pauseProbability = random.unitInterval() * 0.05
            faults.transferProbability = 0.03
            disk = DiskFaults()
        default:
            break
        }
    }
}
