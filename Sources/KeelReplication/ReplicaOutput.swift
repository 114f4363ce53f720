import KeelTypes

/// What the shell must do after a replica step, in this order:
///
/// 1. `truncateAfter`: drop log records after this LSN (durably), then append `append`
///    to the local log; call `persisted(through:)` once they are durable.
/// 2. Send `messages` (they never depend on step 1 being durable: acknowledgements are
///    only produced by `persisted`).
/// 3. Apply `apply` to the store, each record atomically with its LSN, then call
///    `applied(through:)`; only then send `answers` to clients (so a read after an answer
///    sees the write).
/// 4. Carry out `requests` to the meta group and `snapshotsToSend`.
public struct ReplicaOutput: Sendable {
    public var truncateAfter: LSN?
    public var append: [ReplicationRecord] = []
    public var messages: [(to: DataNodeID, message: ReplicationMessage)] = []
    public var apply: [ReplicationRecord] = []
    public var answers: [(requestID: UInt64, result: Result<WriteOutcome, KeelError>)] = []
    public var requests: [MetaRequestNeed] = []
    /// Learners that need a copy of the store before they can follow the log.
    public var snapshotsToSend: [DataNodeID] = []
    /// A message showed a newer epoch than this replica knows: fetch the map.
    public var newerEpochSeen: Epoch?

    public init() {}

    public var isEmpty: Bool {
        truncateAfter == nil && append.isEmpty && messages.isEmpty && apply.isEmpty && answers.isEmpty && requests.isEmpty
            && snapshotsToSend.isEmpty && newerEpochSeen == nil
    }

    mutating func send(_ message: ReplicationMessage, to node: DataNodeID) { messages.append((node, message)) }
}

/// Something only the meta group can do for this shard.
public enum MetaRequestNeed: Hashable, Sendable {
    /// A replica of the configuration stopped answering: remove it at `epoch`.
    case removeReplica(node: DataNodeID, epoch: Epoch)
    /// A learner has caught up: promote it at `epoch`.
    case promoteLearner(node: DataNodeID, epoch: Epoch)
    /// This replica became primary of `epoch` right after it (re)started: it may have
    /// written in that epoch before, so it needs a new one (same configuration).
    case renewEpoch(node: DataNodeID, epoch: Epoch)
}
