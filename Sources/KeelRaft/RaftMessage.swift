/// A message between two members of a group. The shell delivers it to `to` as
/// `RaftInput.message`; it may be lost, delayed, duplicated or reordered without harm
/// to safety.
public struct RaftMessage: Hashable, Sendable {
    public var from: RaftNodeID
    public var to: RaftNodeID
    /// The sender's term (for a pre-vote request: the term it would campaign in).
    public var term: Term
    public var payload: Payload

    public init(from: RaftNodeID, to: RaftNodeID, term: Term, payload: Payload) {
        self.from = from
        self.to = to
        self.term = term
        self.payload = payload
    }

    /// The protocol's message kinds.
    public enum Payload: Hashable, Sendable {
        case voteRequest(VoteRequest)
        case voteResponse(VoteResponse)
        case append(AppendRequest)
        case appendResponse(AppendResponse)
        case heartbeat(Heartbeat)
        case heartbeatResponse(HeartbeatResponse)
        case snapshotChunk(SnapshotChunk)
        case snapshotChunkResponse(SnapshotChunkResponse)
        /// Leader to transfer target: campaign now, ignoring your election timer.
        case timeoutNow
        /// Follower to leader: a linearizable read on the follower's behalf.
        case readIndex(ReadIndexRequest)
        /// Leader to follower: the read index for a forwarded read, or nil if refused.
        case readIndexResponse(ReadIndexResponse)
        /// Follower to leader: a forwarded `RaftInput.transferLeadership`.
        case transferLeadership(target: RaftNodeID)
    }

    /// Approximate encoded size, used for flow-control accounting.
    public var sizeBytes: Int {
        switch payload {
        case .append(let request): return 64 + request.entries.reduce(0) { $0 + $1.sizeBytes }
        case .snapshotChunk(let chunk): return 64 + chunk.data.count
        default: return 64
        }
    }
}

/// A (pre-)candidate asks for a vote in `RaftMessage.term`.
public struct VoteRequest: Hashable, Sendable {
    /// A pre-vote: the receiver answers as it would in a real election but changes no state.
    public var isPreVote: Bool
    public var lastLogIndex: LogIndex
    public var lastLogTerm: Term
    /// Campaign started by a leadership transfer: receivers do not refuse it for having
    /// heard from the current leader recently.
    public var isTransfer: Bool

    public init(isPreVote: Bool, lastLogIndex: LogIndex, lastLogTerm: Term, isTransfer: Bool) {
        self.isPreVote = isPreVote
        self.lastLogIndex = lastLogIndex
        self.lastLogTerm = lastLogTerm
        self.isTransfer = isTransfer
    }
}

/// Answer to a `VoteRequest`; a grant carries the requested term.
public struct VoteResponse: Hashable, Sendable {
    public var isPreVote: Bool
    public var granted: Bool

    public init(isPreVote: Bool, granted: Bool) {
        self.isPreVote = isPreVote
        self.granted = granted
    }
}

/// Leader to follower: entries following (`prevLogIndex`, `prevLogTerm`), and the
/// leader's commit index.
public struct AppendRequest: Hashable, Sendable {
    public var prevLogIndex: LogIndex
    public var prevLogTerm: Term
    public var entries: [Entry]
    public var commit: LogIndex

    public init(prevLogIndex: LogIndex, prevLogTerm: Term, entries: [Entry], commit: LogIndex) {
        self.prevLogIndex = prevLogIndex
        self.prevLogTerm = prevLogTerm
        self.entries = entries
        self.commit = commit
    }
}

/// Follower to leader: the outcome of an `AppendRequest` (or of a snapshot install).
public struct AppendResponse: Hashable, Sendable {
    /// Accepted: the follower's log matches the leader's up to `index`.
    /// Rejected: `index` is the request's `prevLogIndex`, which did not match.
    public var index: LogIndex
    /// Set on rejection only: where the leader should look next.
    public var rejection: RejectHint?

    public init(index: LogIndex, rejection: RejectHint? = nil) {
        self.index = index
        self.rejection = rejection
    }

    public var isRejected: Bool { rejection != nil }
}

/// Fast log backtracking: a rejecting follower names its conflicting term and the first
/// index it holds of that term, so the leader skips a whole term per round trip.
public struct RejectHint: Hashable, Sendable {
    /// The follower's term at the rejected `prevLogIndex`; nil when its log is shorter.
    public var conflictTerm: Term?
    /// The first index of `conflictTerm` in the follower's log (never at or below its
    /// commit index), or its last index + 1 when `conflictTerm` is nil.
    public var conflictIndex: LogIndex
    /// The follower's last log index.
    public var lastIndex: LogIndex

    public init(conflictTerm: Term?, conflictIndex: LogIndex, lastIndex: LogIndex) {
        self.conflictTerm = conflictTerm
        self.conflictIndex = conflictIndex
        self.lastIndex = lastIndex
    }
}

/// Leader to follower: "I am still leader". Carries a commit index the follower can
/// use (at most what it is known to hold), a read-round sequence number and the
/// leader's tick when sent; the follower echoes the last two.
public struct Heartbeat: Hashable, Sendable {
    public var commit: LogIndex
    public var readRound: UInt64
    public var sentAtTick: UInt64

    public init(commit: LogIndex, readRound: UInt64, sentAtTick: UInt64) {
        self.commit = commit
        self.readRound = readRound
        self.sentAtTick = sentAtTick
    }
}

/// Answer to a `Heartbeat`, echoing its read round and send tick.
public struct HeartbeatResponse: Hashable, Sendable {
    public var readRound: UInt64
    public var sentAtTick: UInt64
    /// The follower's last log index (lets the leader resume a paused probe).
    public var lastIndex: LogIndex

    public init(readRound: UInt64, sentAtTick: UInt64, lastIndex: LogIndex) {
        self.readRound = readRound
        self.sentAtTick = sentAtTick
        self.lastIndex = lastIndex
    }
}

/// Leader to follower: bytes `[offset, offset + data.count)` of the snapshot described
/// by `metadata`, whose data is `totalBytes` long. `done` marks the last chunk.
public struct SnapshotChunk: Hashable, Sendable {
    public var metadata: SnapshotMetadata
    public var totalBytes: Int
    public var offset: Int
    public var data: [UInt8]
    public var done: Bool

    public init(metadata: SnapshotMetadata, totalBytes: Int, offset: Int, data: [UInt8], done: Bool) {
        self.metadata = metadata
        self.totalBytes = totalBytes
        self.offset = offset
        self.data = data
        self.done = done
    }
}

/// Follower to leader: how many bytes of the snapshot at `snapshotIndex` it holds in
/// order. `outOfOrder` says the chunk did not start at `receivedBytes` and was dropped.
/// (Completion is reported with an `AppendResponse` at the snapshot index.)
public struct SnapshotChunkResponse: Hashable, Sendable {
    public var snapshotIndex: LogIndex
    public var receivedBytes: Int
    public var outOfOrder: Bool

    public init(snapshotIndex: LogIndex, receivedBytes: Int, outOfOrder: Bool) {
        self.snapshotIndex = snapshotIndex
        self.receivedBytes = receivedBytes
        self.outOfOrder = outOfOrder
    }
}

/// Follower to leader: confirm a read on the follower's behalf.
public struct ReadIndexRequest: Hashable, Sendable {
    public var id: ReadRequestID
    public var mode: ReadMode

    public init(id: ReadRequestID, mode: ReadMode) {
        self.id = id
        self.mode = mode
    }
}

/// Leader to follower: the answer to a forwarded read.
public struct ReadIndexResponse: Hashable, Sendable {
    public var id: ReadRequestID
    /// The read index, or nil when the leader refused the read (`rejection` says why).
    public var index: LogIndex?
    /// How the leader confirmed the read.
    public var mode: ReadMode
    public var rejection: ReadRejection?

    public init(id: ReadRequestID, index: LogIndex?, mode: ReadMode, rejection: ReadRejection?) {
        self.id = id
        self.index = index
        self.mode = mode
        self.rejection = rejection
    }
}
