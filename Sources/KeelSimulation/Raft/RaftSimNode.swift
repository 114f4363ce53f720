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
        /// The highest index committed anywhere when the request reached the node: the
        /// read's index must cover it.
        var committedAtStart: UInt64
        var index: LogIndex? = nil
    }

    /// Where the node is in its life as a group member.
    enum Presence: Sendable {
        /// A spare id no configuration has named yet: the process is not running.
        case spare
        /// Running, or crashed and due to restart.
        case active
        /// Removed from the group by a committed change and shut down for good (its id is
        /// never reused: a fresh process under an old id could vote twice in one term).
        case retired
    }

    let id: RaftNodeID
    var presence: Presence
    /// Some committed configuration has named this node (it is never added again).
    var wasMember = false
    /// nil while the node is crashed (or not active).
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

    init(id: RaftNodeID, presence: Presence, bootstrap: RaftBootstrap, diskFaults: DiskFaults, clock: SimClock) {
        self.id = id
        self.presence = presence
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
