/// Receiving messages: the term rules every message goes through (§5.1, with the
/// PreVote and CheckQuorum refinements), then dispatch by kind and role.
extension RaftNode {
    mutating func receive(_ message: RaftMessage) {
        guard message.to == config.id, message.from != config.id else { return }
        if message.term > term {
            guard adoptHigherTerm(of: message) else { return }
        } else if message.term < term {
            answerStaleTerm(message)
            return
        }
        dispatch(message)
    }

    /// Applies the rule "a larger term makes me a follower", except where PreVote and
    /// leases say otherwise. Returns false when the message must be ignored.
    private mutating func adoptHigherTerm(of message: RaftMessage) -> Bool {
        switch message.payload {
        case .voteRequest(let request):
            // A node that heard from a live leader recently ignores campaigns (unless the
            // leader itself asked for one), so a partitioned node cannot depose it.
            if !request.isTransfer && isInLease { return false }
            // A pre-vote does not change our term.
            if !request.isPreVote { becomeFollower(term: message.term, leader: nil) }
        case .voteResponse(let response) where response.isPreVote && response.granted:
            // Pre-vote grants carry the term we would campaign in.
            break
        case .append, .heartbeat, .snapshotChunk:
            becomeFollower(term: message.term, leader: message.from)
        default:
            becomeFollower(term: message.term, leader: nil)
        }
        return true
    }

    /// A message from an older term: tell its sender our term when that helps it step down.
    private mutating func answerStaleTerm(_ message: RaftMessage) {
        switch message.payload {
        case .append, .heartbeat, .snapshotChunk:
            // A deposed leader learns the new term and steps down (otherwise, with
            // CheckQuorum or PreVote, nobody would ever tell it).
            send(to: message.from, .heartbeatResponse(HeartbeatResponse(readRound: 0, sentAtTick: 0, lastIndex: log.lastIndex)))
        case .voteRequest(let request) where request.isPreVote:
            send(to: message.from, .voteResponse(VoteResponse(isPreVote: true, granted: false)))
        default:
            break
        }
    }

    private mutating func dispatch(_ message: RaftMessage) {
        switch message.payload {
        case .voteRequest(let request):
            handleVoteRequest(message, request)
        case .voteResponse(let response):
            handleVoteResponse(message, response)
        case .append(let request):
            guard followLeader(message) else { return }
            handleAppend(from: message.from, request)
        case .heartbeat(let heartbeat):
            guard followLeader(message) else { return }
            handleHeartbeat(from: message.from, heartbeat)
        case .snapshotChunk(let chunk):
            guard followLeader(message) else { return }
            handleSnapshotChunk(from: message.from, chunk)
        case .appendResponse(let response):
            guard role == .leader else { return }
            handleAppendResponse(from: message.from, response)
        case .heartbeatResponse(let response):
            guard role == .leader else { return }
            handleHeartbeatResponse(from: message.from, response)
        case .snapshotChunkResponse(let response):
            guard role == .leader else { return }
            handleSnapshotChunkResponse(from: message.from, response)
        case .timeoutNow:
            guard role != .leader else { return }
            campaign(.transfer)
        case .readIndex(let request):
            handleForwardedRead(from: message.from, request)
        case .readIndexResponse(let response):
            handleReadIndexResponse(response)
        case .transferLeadership(let target):
            transferLeadership(to: target, requestedBy: message.from)
        }
    }

    /// A message only a leader of the current term sends: become (or stay) its follower.
    /// Returns false if this node is itself the leader (two leaders in one term would be
    /// a protocol violation; the message is dropped).
    private mutating func followLeader(_ message: RaftMessage) -> Bool {
        if role == .leader { return false }
        if role != .follower || leader != message.from {
            becomeFollower(term: term, leader: message.from)
        }
        electionElapsed = 0
        return true
    }
}
