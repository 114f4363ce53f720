import KeelTypes

/// The PacificA replica of one shard on one node: a pure state machine.
///
/// * The **primary** orders writes: it checks conditions, assigns versions and LSNs,
///   group-commits them into records, prepares each record on every backup and learner,
///   and commits a record only when **every replica of the configuration** (primary and
///   backups; learners do not count) has it durably. Several records are in flight at
///   once; uncommitted bytes are bounded.
/// * A primary serves only under a **lease** from the meta group and only once it has
///   **reconciled**: brought every replica of its configuration to its own log.
/// * Every message carries the **epoch**; older epochs are refused, which fences a deposed
///   primary.
///
/// No I/O, clock or randomness: the shell passes time in and carries out `ReplicaOutput`s.
/// docs/replication.md explains the protocol and the shell's contract.
public struct ShardReplica: Sendable {
    public enum Role: String, Sendable { case primary, backup, learner, inactive }

    public let node: DataNodeID
    public let config: ReplicaConfig
    public internal(set) var descriptor: ShardDescriptor

    // The local log: records after the store's applied point, kept until applied
    // everywhere they may be needed (the shell trims it with `logTrimmed`).
    var log: [ReplicationRecord] = []
    /// LSN of the record before `log[0]`.
    var logBase: LSN
    public internal(set) var durable: LSN
    public internal(set) var committed: LSN
    public internal(set) var applied: LSN
    /// Backup and learner: the log agrees with the current primary's through here (a
    /// reconcile matched, or the primary's records arrived in order after it). Commits and
    /// acknowledgements never go beyond it: a tail written under an older primary may
    /// differ from the current primary's log at the same LSNs.
    var matched: LSN

    // Primary state.
    var leaseUntil: MonotonicTime?
    var reconciled = false
    var peers: [DataNodeID: PeerState] = [:]
    /// Writes accepted since the last sealed record, with their clients' answers.
    var openBatch: [ReplicatedWrite] = []
    var openBatchBytes = 0
    var openOutcomes: [(requestID: UInt64, outcome: WriteOutcome)] = []
    /// Answers waiting for a record to commit: the writes in it, and refusals that were
    /// decided against it (a failed condition is only true once what it saw commits).
    var requestsByLSN: [LSN: [(requestID: UInt64, result: Result<WriteOutcome, KeelError>)]] = [:]
    /// Refusals decided against writes of the open batch, answered when it commits.
    var deferredOnOpenBatch: [(requestID: UInt64, result: Result<WriteOutcome, KeelError>)] = []
    /// Version of each key written by records not yet applied (nil: deleted), and the LSN.
    var window: [[UInt8]: (version: KeyVersion?, lsn: LSN)] = [:]
    var lastCommitSent = MonotonicTime.zero
    /// Bytes of records after the commit point (see `uncommittedBytes`).
    var pendingBytes = 0
    var requestedRemoval: Set<DataNodeID> = []
    /// A primary that learned its epoch from the map after a (re)start may already have
    /// written records in that epoch before it crashed; it writes nothing until the meta
    /// group gives it a new epoch (`MetaRequestNeed.renewEpoch`), so that an LSN and an
    /// epoch always name one record.
    var awaitingNewEpoch = false
    var lastEpochRequest: MonotonicTime?
    /// Backup: the last `prepareGap` asked for and when, so that a burst of out-of-order
    /// records asks once; the same gap is asked again after `commitHeartbeat` (the request
    /// or its resend may have been lost).
    var gapRequested: (expected: LSN, at: MonotonicTime)?
    var reportedCaughtUp: Set<DataNodeID> = []

    #if DEBUG
    @_spi(Testing) public var injectedBugs: Set<ReplicaInjectedBug> = []
    #endif

    struct PeerState {
        var acked: LSN = .zero
        var sent: LSN = .zero
        var reconciled = false
        var lastHeard: MonotonicTime
        var awaitingSnapshot = false
    }

    /// A replica recovered from disk: the records after the store's applied point.
    public init(node: DataNodeID, descriptor: ShardDescriptor, config: ReplicaConfig, applied: LSN, log: [ReplicationRecord]) {
        self.node = node
        self.config = config
        self.descriptor = descriptor
        self.applied = applied
        self.committed = applied
        self.logBase = applied
        self.log = log.filter { $0.lsn > applied }
        self.durable = self.log.last?.lsn ?? applied
        self.matched = applied
        self.pendingBytes = self.log.reduce(0) { $0 + $1.sizeBytes }
        precondition(self.log.enumerated().allSatisfy { $0.element.lsn.rawValue == applied.rawValue + UInt64($0.offset) + 1 }, "log must be contiguous after the applied point")
    }

    public var role: Role {
        if descriptor.primary == node { return .primary }
        if descriptor.backups.contains(node) { return .backup }
        if descriptor.learners.contains(node) { return .learner }
        return .inactive
    }

    public var lastLSN: LSN { log.last?.lsn ?? logBase }
    var lastEpoch: Epoch { log.last?.epoch ?? .zero }

    func record(at lsn: LSN) -> ReplicationRecord? {
        guard lsn > logBase, lsn.rawValue - logBase.rawValue <= UInt64(log.count) else { return nil }
        return log[Int(lsn.rawValue - logBase.rawValue - 1)]
    }

    // MARK: Serving

    /// Whether this replica may serve linearizable reads and new writes now, or why not.
    public func servingError(now: MonotonicTime) -> KeelError? {
        guard role == .primary else {
            return KeelError(.notPrimary, "\(node) is not the primary of shard \(descriptor.id)", shard: descriptor)
        }
        if awaitingNewEpoch {
            return KeelError(.shardUnavailable, "the primary of shard \(descriptor.id) restarted and waits for a new epoch", shard: descriptor)
        }
        if !isReconciled {
            return KeelError(.shardUnavailable, "shard \(descriptor.id) has a new primary that is still reconciling", shard: descriptor)
        }
        if !hasLease(now: now) {
            return KeelError(.shardUnavailable, "the primary of shard \(descriptor.id) holds no valid lease", shard: descriptor)
        }
        return nil
    }

    private var isReconciled: Bool {
        #if DEBUG
        if injectedBugs.contains(.skipReconciliation) { return true }
        #endif
        return reconciled
    }

    func hasLease(now: MonotonicTime) -> Bool {
        #if DEBUG
        if injectedBugs.contains(.serveAfterLeaseExpiry), leaseUntil != nil { return true }
        #endif
        guard let leaseUntil else { return false }
        return now < leaseUntil
    }

    /// Whether a stale read (any replica, committed data only) may be served here.
    public func staleReadError() -> KeelError? {
        role == .inactive ? KeelError(.notPrimary, "\(node) holds no replica of shard \(descriptor.id)", shard: descriptor) : nil
    }

    /// A one-line summary of the replica and its peers, for logs.
    public var debugState: String {
        let peerText = peers.keys.sorted().map { peer in
            let state = peers[peer]!
            return "\(peer){acked \(state.acked.rawValue) sent \(state.sent.rawValue) reconciled \(state.reconciled) snapshot \(state.awaitingSnapshot)}"
        }
        return "\(role) \(descriptor.epoch) last \(lastLSN.rawValue) durable \(durable.rawValue) committed \(committed.rawValue) applied \(applied.rawValue) " + peerText.joined(separator: " ")
    }

    /// The version a key has once every prepared write is applied: the window, or nil if
    /// the window does not know the key (then the store's version holds).
    public func pendingVersion(of key: [UInt8]) -> KeyVersion?? { window[key].map { $0.version } }
}
