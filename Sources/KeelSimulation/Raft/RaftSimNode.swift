import KeelRaft

/// One simulated Raft server: the real `RaftNode` core plus what its shell owns (disk,
/// state machine, clock, requests waiting for an answer). Driven by `RaftSimulation`.
struct RaftSimNode: Sendable {
    /// A proposal this node accepted for a client, answered when its index is applied.
    struct PendingWrite: Sendable {
        var term: Term
        var client: Int
        var attempt: UInt64
    }

    /// A read waiting for its `ReadState` (index nil) or for the state machine to reach it.
    struct PendingRead: Sendable {
        var client: Int
        var attempt: UInt64
        var key: String
        var index: LogIndex?
    }

    let id: RaftNodeID
    /// nil while the node is crashed.
    var core: RaftNode?
    var disk: SimDisk<RaftDiskWrite>
    var store = KVStore()
    var applied: LogIndex = .zero
    var clock: SimClock
    /// Ticks of an older incarnation still in the event queue are ignored.
    var tickGeneration: UInt64 = 0
    /// While paused, arriving messages wait here (in order) and ticks are counted, not delivered.
    var pausedUntil: UInt64?
    var deferred: [(from: SimEndpoint, message: RaftSimMessage)] = []
    var writes: [UInt64: PendingWrite] = [:]
    /// Client attempts proposed here, by attempt id, until accepted or rejected.
    var proposals: [UInt64: Int] = [:]
    var reads: [UInt64: PendingRead] = [:]
    /// The role and term seen after the last step (to notice a node becoming leader).
    var lastRole: RaftRole = .follower
    var lastTerm: Term = .zero
    var lastCommit: LogIndex = .zero

    var isUp: Bool { core != nil }
    var isPaused: Bool { pausedUntil != nil }
    var isLeader: Bool { core?.currentRole == .leader }

    init(id: RaftNodeID, bootstrap: RaftBootstrap, diskFaults: DiskFaults, clock: SimClock) {
        self.id = id
        self.disk = SimDisk(initial: RaftDurableState(bootstrap), faults: diskFaults)
        self.clock = clock
    }

    /// Forgets everything volatile: the process is gone.
    mutating func crash(random: inout SimRandom) {
        core = nil
        disk.crash(random: &random)
        store = KVStore()
        applied = .zero
        tickGeneration += 1
        pausedUntil = nil
        deferred.removeAll()
        writes.removeAll()
        proposals.removeAll()
        reads.removeAll()
        lastRole = .follower
        lastCommit = .zero
    }
}
