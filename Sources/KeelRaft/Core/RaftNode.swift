/// One member of a Raft group, as a pure, deterministic state machine.
///
/// Inputs arrive through `step(_:)` (ticks, messages, proposals, reads, commands); each
/// returns a `RaftOutput` the shell must carry out (persist, then send, then apply)
/// before the next step. The node does no I/O, reads no clock and draws randomness only
/// from its own generator seeded by `RaftConfig.seed`: the same inputs always produce the
/// same outputs. It holds its uncompacted log in memory; the shell persists what the
/// outputs hand out and restarts a node from a `RaftBootstrap`.
public struct RaftNode: Sendable {
    public let config: RaftConfig

    // Durable state (mirrored by the shell).
    var term: Term
    var vote: RaftNodeID?
    var log: RaftLog
    /// The most recent snapshot (index zero, empty data, when there is none).
    var snapshot: Snapshot

    // Volatile state.
    var role: RaftRole = .follower
    var leader: RaftNodeID?
    /// The active membership: the snapshot's, changed by every committed config entry.
    var configuration: RaftConfiguration
    /// Committed entries up to here were handed to the shell to apply.
    var handedOut: LogIndex
    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    /// Ticks since this node started (its local clock, for leases).
    var ticks: UInt64 = 0
    var random: SplitMix64
    /// The node started with a term past the bootstrap term (see `isInLease`).
    let mayHaveFollowedBeforeBoot: Bool
    var votes: [RaftNodeID: Bool] = [:]

    // Leader state.
    var progress = ProgressTracker()
    var leadTransferee: RaftNodeID?
    /// A TimeoutNow was sent in this term: lease reads are off until the term ends.
    var leaseRevoked = false
    /// Index of the last config change appended; a new one waits until this commits.
    var pendingConfigIndex: LogIndex = .zero
    var uncommittedBytes = 0
    var reads = ReadQueue()

    // Follower state.
    var incomingSnapshot: IncomingSnapshot?

    // Per-step output being assembled, and scratch space for quorum computations.
    var pending = RaftOutput()
    var unstableFrom: LogIndex?
    var scratch: [UInt64] = []

    /// Starts a node from durable state. Throws `invalid_config` or `invalid_bootstrap`.
    public init(config: RaftConfig, bootstrap: RaftBootstrap) throws(RaftError) {
        self.config = try config.validated()
        let meta = bootstrap.snapshot.metadata
        try Self.validate(bootstrap)
        // Entries of a newer term than the hard state: the shell wrote an output's entries
        // but crashed before its hard state. That hard state named the entries' term (a
        // node appends only in its current term) and no vote of that term, or the vote
        // would have been persisted before the entries' term was ever answered; so take
        // the entries' term, with no vote.
        let lastTerm = bootstrap.entries.last?.term ?? meta.term
        term = max(bootstrap.hardState.term, lastTerm)
        vote = bootstrap.hardState.term >= lastTerm ? bootstrap.hardState.vote : nil
        snapshot = bootstrap.snapshot
        log = RaftLog(snapshotIndex: meta.index, snapshotTerm: meta.term,
                      entries: bootstrap.entries, committed: bootstrap.hardState.commit)
        configuration = meta.configuration
        handedOut = bootstrap.applied
        mayHaveFollowedBeforeBoot = bootstrap.hardState.term > Term(1)
        random = SplitMix64(seed: config.seed ^ (config.id.rawValue &* 0x9E37_79B9_7F4A_7C15))
        configuration = configuration(at: log.committed)
        resetElectionTimer()
    }

    private static func validate(_ bootstrap: RaftBootstrap) throws(RaftError) {
        func require(_ condition: Bool, _ message: String) throws(RaftError) {
            if !condition { throw RaftError(.invalidBootstrap, message) }
        }
        let meta = bootstrap.snapshot.metadata
        var expected = meta.index.next
        var previousTerm = meta.term
        for entry in bootstrap.entries {
            try require(entry.index == expected, "entry \(entry.index) where \(expected) was expected")
            try require(entry.term >= previousTerm, "entry \(entry.index) has a term below its predecessor's")
            expected = expected.next
            previousTerm = entry.term
        }
        let lastIndex = expected.previous
        let hard = bootstrap.hardState
        try require(hard.commit <= lastIndex, "commit \(hard.commit) is beyond the last index \(lastIndex)")
        try require(bootstrap.applied >= meta.index && bootstrap.applied <= max(hard.commit, meta.index),
                    "applied \(bootstrap.applied) is outside [snapshot index, commit]")
    }

    /// Feeds one input and returns what the shell must do. See `RaftOutput` for the order.
    public mutating func step(_ input: RaftInput) -> RaftOutput {
        let hardBefore = hardState
        let softBefore = softState
        switch input {
        case .tick: tick()
        case .message(let message): receive(message)
        case .propose(let proposals): propose(proposals)
        case .proposeConfigChange(let id, let change): proposeConfigChange(id, change)
        case .read(let id, let mode): read(id, mode: mode)
        case .transferLeadership(let target): transferLeadership(to: target, requestedBy: config.id)
        case .campaign: campaign(config.preVote ? .preElection : .election)
        case .compact(let index, let data): compact(through: index, data: data)
        case .peerUnreachable(let peer): peerUnreachable(peer)
        }
        return takeOutput(hardBefore: hardBefore, softBefore: softBefore)
    }

    /// Moves the assembled output out of the node, adding the log, hard-state and
    /// soft-state deltas of this step.
    private mutating func takeOutput(hardBefore: HardState, softBefore: SoftState) -> RaftOutput {
        var output = pending
        pending = RaftOutput()
        if let from = unstableFrom {
            output.entriesToPersist = Array(log.slice(from: from, through: log.lastIndex))
            unstableFrom = nil
        }
        let hard = hardState
        if hard != hardBefore { output.hardState = hard }
        let voteChanged = hard.term != hardBefore.term || hard.vote != hardBefore.vote
        output.mustSync = !output.entriesToPersist.isEmpty || output.restoreStateMachine
            || (voteChanged && !injected(.voteNotSynced))
        if log.committed > handedOut {
            output.committedEntries = Array(log.slice(from: handedOut.next, through: log.committed))
            handedOut = log.committed
        }
        let soft = softState
        if soft != softBefore { output.softState = soft }
        return output
    }

    // MARK: Read-only view

    public var id: RaftNodeID { config.id }
    public var hardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }
    public var softState: SoftState { SoftState(role: role, leader: leader) }
    public var currentTerm: Term { term }
    public var currentRole: RaftRole { role }
    public var currentLeader: RaftNodeID? { leader }
    public var commitIndex: LogIndex { log.committed }
    public var currentConfiguration: RaftConfiguration { configuration }
    public var firstLogIndex: LogIndex { log.firstIndex }
    public var lastLogIndex: LogIndex { log.lastIndex }
    /// The latest snapshot's metadata (index zero when the node has none).
    public var snapshotMetadata: SnapshotMetadata { snapshot.metadata }
    /// Term of the entry at `index`, nil when compacted or not stored.
    public func term(at index: LogIndex) -> Term? { log.term(at: index) }
    /// The stored entry at `index`, nil when compacted or not stored.
    public func entry(at index: LogIndex) -> Entry? { log.entry(at: index) }
    /// Stored entries in `[from, through]`, clamped to what is stored.
    public func entries(from: LogIndex, through: LogIndex) -> ArraySlice<Entry> {
        log.slice(from: from, through: through)
    }

    // MARK: Helpers shared by every role

    /// Whether this node may campaign: it is a voter of its configuration.
    var isPromotable: Bool { configuration.isVoter(config.id) }

    mutating func send(to: RaftNodeID, term messageTerm: Term? = nil, _ payload: RaftMessage.Payload) {
        pending.messages.append(RaftMessage(from: config.id, to: to, term: messageTerm ?? term, payload: payload))
    }

    /// Records that the log changed from `index` on (for `entriesToPersist`).
    mutating func markUnstable(from index: LogIndex) {
        if let current = unstableFrom, current <= index { return }
        unstableFrom = index
    }

    mutating func resetElectionTimer() {
        electionElapsed = 0
        randomizedElectionTimeout = config.electionTicks + random.next(below: config.electionTicks)
    }

    /// The configuration in force at `index` (at or above the snapshot index): the
    /// snapshot's, changed by every config entry up to `index`.
    func configuration(at index: LogIndex) -> RaftConfiguration {
        var result = snapshot.metadata.configuration
        for entry in log.slice(from: log.firstIndex, through: index) where entry.kind == .configChange {
            if let change = try? ConfigChange(decoding: entry.data), case .success(let next) = change.applied(to: result) {
                result = next
            }
        }
        return result
    }

    /// Quorum-th largest value among voters (the value a majority has reached), with
    /// `own` for this node and `value` for the others; 0 for members without progress.
    mutating func quorumValue(own: UInt64, _ value: (Progress) -> UInt64) -> UInt64 {
        let voters = configuration.voters
        guard !voters.isEmpty else { return 0 }
        scratch.removeAll(keepingCapacity: true)
        for voter in voters {
            if voter == config.id {
                scratch.append(own)
            } else if let position = progress.position(of: voter) {
                scratch.append(value(progress[position]))
            } else {
                scratch.append(0)
            }
        }
        // Insertion sort, descending: groups are small and this allocates nothing.
        for i in 1..<scratch.count {
            let item = scratch[i]
            var j = i - 1
            while j >= 0 && scratch[j] < item {
                scratch[j + 1] = scratch[j]
                j -= 1
            }
            scratch[j + 1] = item
        }
        return scratch[configuration.quorumSize - 1]
    }
}
