/// A leader's view of one member's log (the leader itself included).
///
/// Probe: the leader does not know where the follower's log matches; it sends one append
/// at a time and waits. Replicate: the follower is known to match up to `match`; appends
/// are pipelined up to the inflight window. Snapshot: the follower needs a snapshot,
/// which is streamed in chunks; appends are paused.
struct Progress: Sendable {
    enum State: Sendable, Equatable { case probe, replicate, snapshot }

    let id: RaftNodeID
    var isLearner: Bool
    /// Highest index known to match the leader's log.
    var match: LogIndex = .zero
    /// Next index to send.
    var next: LogIndex
    private(set) var state: State = .probe
    /// Probe state: an append is outstanding; wait for its answer or a heartbeat reply.
    var probeSent = false
    var inflights: Inflights
    /// Heard from since the last CheckQuorum round.
    var recentActive = true
    /// Highest read round this member acknowledged.
    var readRoundAck: UInt64 = 0
    /// 1 + the leader tick at which the latest acknowledged heartbeat was sent (0: none).
    var leaseAck: UInt64 = 0
    /// Commit index most recently sent to this member.
    var sentCommit: LogIndex = .zero
    /// The snapshot being streamed (snapshot state only).
    var transfer: SnapshotTransfer?

    init(id: RaftNodeID, isLearner: Bool, next: LogIndex, maxInflightMessages: Int) {
        self.id = id
        self.isLearner = isLearner
        self.next = next
        self.inflights = Inflights(capacity: maxInflightMessages)
    }

    /// Whether appends to this member must wait.
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    mutating func becomeProbe() {
        if state == .snapshot, let transfer {
            next = max(match.next, transfer.index.next)
        } else {
            next = match.next
        }
        enter(.probe)
    }

    mutating func becomeReplicate() {
        next = match.next
        enter(.replicate)
    }

    mutating func becomeSnapshot(_ transfer: SnapshotTransfer) {
        enter(.snapshot)
        self.transfer = transfer
    }

    private mutating func enter(_ newState: State) {
        state = newState
        probeSent = false
        inflights.reset()
        transfer = nil
    }

    /// Records that the member's log matches up to `index`; returns whether `match` grew.
    mutating func acknowledge(_ index: LogIndex) -> Bool {
        probeSent = false
        if next <= index { next = index.next }
        guard index > match else { return false }
        match = index
        return true
    }
}

/// Leader-side state of one snapshot being streamed to one follower, in chunks of a fixed
/// size. Chunks are numbered from 0; the last may be short (or empty, for empty data).
struct SnapshotTransfer: Sendable {
    let index: LogIndex
    let term: Term
    let totalBytes: Int
    let chunkBytes: Int
    /// Next chunk to send.
    var nextChunk = 0
    /// Chunks the follower holds in order.
    var ackedChunks = 0
    /// Whether `ackedChunks` grew since the last heartbeat reply (else: resend).
    var progressedSinceHeartbeat = false
    /// Already rewound for the current gap: ignore further out-of-order replies.
    var rewound = false

    init(index: LogIndex, term: Term, totalBytes: Int, chunkBytes: Int) {
        self.index = index
        self.term = term
        self.totalBytes = totalBytes
        self.chunkBytes = chunkBytes
    }

    var chunkCount: Int { max(1, (totalBytes + chunkBytes - 1) / chunkBytes) }
    var inflightChunks: Int { nextChunk - ackedChunks }
    var allSent: Bool { nextChunk >= chunkCount }

    /// Byte range of chunk `number`.
    func range(ofChunk number: Int) -> Range<Int> {
        let low = number * chunkBytes
        return low..<min(low + chunkBytes, totalBytes)
    }
}

/// The leader's progress records, sorted by id (groups are small: a linear scan beats
/// hashing, and iteration order is deterministic).
struct ProgressTracker: Sendable {
    private(set) var all: [Progress] = []

    func position(of id: RaftNodeID) -> Int? { all.firstIndex { $0.id == id } }

    subscript(position: Int) -> Progress {
        get { all[position] }
        set { all[position] = newValue }
    }

    mutating func insert(_ progress: Progress) {
        let insertion = all.firstIndex { $0.id > progress.id } ?? all.count
        all.insert(progress, at: insertion)
    }

    mutating func remove(_ id: RaftNodeID) {
        all.removeAll { $0.id == id }
    }

    mutating func removeAll() { all.removeAll() }

    var positions: Range<Int> { all.indices }
}
