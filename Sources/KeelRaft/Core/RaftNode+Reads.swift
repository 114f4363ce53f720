/// Linearizable reads without log writes (thesis §6.4): ReadIndex confirmed by a
/// heartbeat round, and lease reads under CheckQuorum. Followers forward reads to the
/// leader. Rounds are batched: while one round is unconfirmed, new reads wait for the
/// next one, so a burst of reads costs one heartbeat round.
extension RaftNode {
    /// Which node asked for a read: this node (answer in the output) or a follower
    /// (answer by message).
    typealias Requester = RaftNodeID

    mutating func read(_ id: ReadRequestID, mode: ReadMode) {
        if role == .leader {
            readAsLeader(requester: config.id, id: id, mode: mode)
        } else if let leader {
            send(to: leader, .readIndex(ReadIndexRequest(id: id, mode: mode)))
        } else {
            rejectRead(requester: config.id, id: id, reason: .noLeader)
        }
    }

    mutating func handleForwardedRead(from requester: RaftNodeID, _ request: ReadIndexRequest) {
        if role == .leader {
            readAsLeader(requester: requester, id: request.id, mode: request.mode)
        } else {
            rejectRead(requester: requester, id: request.id, reason: .leadershipLost)
        }
    }

    mutating func handleReadIndexResponse(_ response: ReadIndexResponse) {
        guard role != .leader else { return }
        if let index = response.index {
            pending.readStates.append(ReadState(id: response.id, index: index, mode: response.mode))
        } else {
            pending.rejectedReads.append(RejectedRead(id: response.id, reason: response.rejection ?? .leadershipLost))
        }
    }

    var hasCommittedInCurrentTerm: Bool { log.term(at: log.committed) == term }

    private mutating func readAsLeader(requester: Requester, id: ReadRequestID, mode: ReadMode) {
        guard reads.count < config.maxPendingReads else {
            rejectRead(requester: requester, id: id, reason: .tooManyPendingReads)
            return
        }
        // Until the leader commits an entry of its term, its commit index may lag what
        // earlier leaders committed: wait.
        guard hasCommittedInCurrentTerm else {
            reads.awaitingCommit.append(PendingRead(requester: requester, id: id, mode: mode, index: .zero, round: 0))
            return
        }
        serveRead(requester: requester, id: id, mode: mode)
    }

    private mutating func serveRead(requester: Requester, id: ReadRequestID, mode: ReadMode) {
        let index = log.committed
        if injected(.readIndexWithoutHeartbeat) || configuration.voters == [config.id] {
            answerRead(requester: requester, id: id, index: index, mode: .readIndex)
            return
        }
        if mode == .lease && leaseIsValid() {
            answerRead(requester: requester, id: id, index: index, mode: .lease)
            return
        }
        let round = reads.issuedRound + 1
        let roundOutstanding = reads.waiting.first.map { $0.round <= reads.issuedRound } ?? false
        reads.waiting.append(PendingRead(requester: requester, id: id, mode: .readIndex, index: index, round: round))
        if !roundOutstanding { issueReadRound() }
    }

    private mutating func issueReadRound() {
        reads.issuedRound += 1
        broadcastHeartbeat()
    }

    /// Answers every read whose round a quorum of voters acknowledged, then starts the next
    /// round if reads are waiting for it.
    mutating func confirmReads() {
        guard !reads.waiting.isEmpty else { return }
        let confirmed = quorumValue(own: reads.issuedRound) { $0.readRoundAck }
        let done = reads.waiting.prefix { $0.round <= confirmed }
        for read in done {
            answerRead(requester: read.requester, id: read.id, index: read.index, mode: .readIndex)
        }
        reads.waiting.removeFirst(done.count)
        if let next = reads.waiting.first, next.round > reads.issuedRound { issueReadRound() }
    }

    mutating func releaseReadsAwaitingCommit() {
        guard hasCommittedInCurrentTerm else { return }
        let released = reads.awaitingCommit
        reads.awaitingCommit.removeAll()
        for read in released { serveRead(requester: read.requester, id: read.id, mode: read.mode) }
    }

    /// Lease reads: the leader's lease runs `electionTicks - leaseSafetyMarginTicks` of its
    /// ticks from the send time of the latest heartbeat a quorum acknowledged. Followers
    /// that acknowledged it ignore campaigns for `electionTicks` of their ticks (CheckQuorum),
    /// so no other leader can exist before the lease ends if clocks drift less than the margin.
    mutating func leaseIsValid() -> Bool {
        guard role == .leader, hasCommittedInCurrentTerm else { return false }
        if injected(.leaseReadWithoutCheckQuorum) { return true }
        guard config.checkQuorum, leadTransferee == nil, !leaseRevoked else { return false }
        let start = quorumValue(own: ticks &+ 1) { $0.leaseAck }
        guard start > 0 else { return false }
        return (start - 1) + UInt64(config.leaseTicks) > ticks
    }

    private mutating func answerRead(requester: Requester, id: ReadRequestID, index: LogIndex, mode: ReadMode) {
        if requester == config.id {
            pending.readStates.append(ReadState(id: id, index: index, mode: mode))
        } else {
            send(to: requester, .readIndexResponse(ReadIndexResponse(id: id, index: index, mode: mode, rejection: nil)))
        }
    }

    mutating func rejectRead(requester: Requester, id: ReadRequestID, reason: ReadRejection) {
        if requester == config.id {
            pending.rejectedReads.append(RejectedRead(id: id, reason: reason))
        } else {
            send(to: requester, .readIndexResponse(ReadIndexResponse(id: id, index: nil, mode: .readIndex, rejection: reason)))
        }
    }

    /// Answers every read a deposed leader held with `reason`.
    mutating func failPendingReads(_ reason: ReadRejection) {
        let held = reads.awaitingCommit + reads.waiting
        reads = ReadQueue()
        for read in held { rejectRead(requester: read.requester, id: read.id, reason: reason) }
    }
}

/// A read waiting at the leader.
struct PendingRead: Sendable {
    let requester: RaftNodeID
    let id: ReadRequestID
    let mode: ReadMode
    /// The commit index when the read arrived (the read index).
    let index: LogIndex
    /// The heartbeat round that must be acknowledged by a quorum.
    let round: UInt64
}

/// The leader's reads: waiting for a heartbeat round (in round order), or for the
/// leader's first commit in its term.
struct ReadQueue: Sendable {
    /// Highest round number sent in heartbeats this term.
    var issuedRound: UInt64 = 0
    var waiting: [PendingRead] = []
    var awaitingCommit: [PendingRead] = []

    var count: Int { waiting.count + awaitingCommit.count }
}
