/// Settings of one Raft node. Every limit is here, with its unit last in its name.
///
/// `validated()` checks the settings against each other; `RaftNode.init` calls it.
public struct RaftConfig: Sendable {
    /// This node's identity in the group.
    public var id: RaftNodeID
    /// Ticks a follower waits without hearing from a leader before it campaigns. The
    /// actual timeout is drawn uniformly from `[electionTicks, 2 * electionTicks)` after
    /// every reset, from the node's own seeded generator.
    public var electionTicks: Int
    /// Ticks between two heartbeats from a leader; must be below `electionTicks`.
    public var heartbeatTicks: Int
    /// Seed of the node's generator for randomized election timeouts (mixed with `id`, so
    /// nodes sharing a seed still draw different timeouts).
    public var seed: UInt64
    /// Run a pre-election (PreVote) before incrementing the term, so that a node that
    /// cannot win (partitioned, or behind) never disrupts the group by raising the term.
    public var preVote: Bool
    /// A leader steps down when it has not heard from a quorum within `electionTicks`;
    /// followers that heard from a leader within `electionTicks` ignore vote requests.
    /// Required for lease reads.
    public var checkQuorum: Bool
    /// Upper bound on the bytes of entries (`Entry.sizeBytes`) in one append message. A
    /// single entry larger than this is still sent, alone.
    public var maxMessageBytes: Int
    /// Append messages a leader may have in flight to one follower in replicate state
    /// (pipelining window). Also the number of snapshot chunks in flight.
    public var maxInflightMessages: Int
    /// Upper bound on the data bytes of entries a leader has appended but not yet
    /// committed. Proposals beyond it are rejected with `.uncommittedBytesExceeded`
    /// (a single proposal is always admitted when nothing is uncommitted).
    public var maxUncommittedEntriesBytes: Int
    /// Upper bound on the data bytes of one InstallSnapshot chunk.
    public var maxSnapshotChunkBytes: Int
    /// Upper bound on linearizable reads a node keeps waiting (for a heartbeat round, or
    /// for the leader's first commit in its term). Further reads are rejected.
    public var maxPendingReads: Int
    /// Lease reads are served only while the leader heard from a quorum within
    /// `electionTicks - leaseSafetyMarginTicks` of its own ticks, measured from when the
    /// acknowledged heartbeat was sent. The margin absorbs clock drift between nodes and
    /// tick phase (see docs/raft.md).
    public var leaseSafetyMarginTicks: Int

    #if DEBUG
    /// Deliberate protocol bugs, for showing that the simulator catches them. This field
    /// exists only in debug builds: release builds cannot enable any of them.
    @_spi(Testing) public var injectedBugs: Set<InjectedBug> = []
    #endif

    public init(
        id: RaftNodeID,
        electionTicks: Int = 10,
        heartbeatTicks: Int = 1,
        seed: UInt64 = 0,
        preVote: Bool = true,
        checkQuorum: Bool = true,
        maxMessageBytes: Int = 1 << 20,
        maxInflightMessages: Int = 256,
        maxUncommittedEntriesBytes: Int = 64 << 20,
        maxSnapshotChunkBytes: Int = 1 << 20,
        maxPendingReads: Int = 4096,
        leaseSafetyMarginTicks: Int = 2
    ) {
        self.id = id
        self.electionTicks = electionTicks
        self.heartbeatTicks = heartbeatTicks
        self.seed = seed
        self.preVote = preVote
        self.checkQuorum = checkQuorum
        self.maxMessageBytes = maxMessageBytes
        self.maxInflightMessages = maxInflightMessages
        self.maxUncommittedEntriesBytes = maxUncommittedEntriesBytes
        self.maxSnapshotChunkBytes = maxSnapshotChunkBytes
        self.maxPendingReads = maxPendingReads
        self.leaseSafetyMarginTicks = leaseSafetyMarginTicks
    }

    /// Ticks a lease lasts after the heartbeat that a quorum acknowledged was sent.
    var leaseTicks: Int { electionTicks - leaseSafetyMarginTicks }

    /// Checks the settings; throws `RaftError` with code `invalid_config`.
    public func validated() throws(RaftError) -> RaftConfig {
        func require(_ condition: Bool, _ message: String) throws(RaftError) {
            if !condition { throw RaftError(.invalidConfig, message) }
        }
        try require(id.rawValue != 0, "node id 0 is reserved")
        try require(heartbeatTicks >= 1, "heartbeatTicks must be at least 1")
        try require(electionTicks > heartbeatTicks, "electionTicks must exceed heartbeatTicks")
        try require(maxMessageBytes >= 1, "maxMessageBytes must be positive")
        try require(maxInflightMessages >= 1, "maxInflightMessages must be positive")
        try require(maxUncommittedEntriesBytes >= 1, "maxUncommittedEntriesBytes must be positive")
        try require(maxSnapshotChunkBytes >= 1, "maxSnapshotChunkBytes must be positive")
        try require(maxPendingReads >= 1, "maxPendingReads must be positive")
        try require(leaseSafetyMarginTicks >= 1 && leaseSafetyMarginTicks < electionTicks,
                    "leaseSafetyMarginTicks must be in [1, electionTicks)")
        return self
    }
}
