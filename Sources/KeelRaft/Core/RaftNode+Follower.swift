/// Follower-side replication: accepting appends (log matching, §5.3), answering with a
/// backtracking hint on mismatch, and learning the commit index from heartbeats.
extension RaftNode {
    mutating func handleAppend(from leaderID: RaftNodeID, _ request: AppendRequest) {
        if request.prevLogIndex < log.committed {
            // Everything up to our commit index already matches the leader's log.
            send(to: leaderID, .appendResponse(AppendResponse(index: log.committed)))
            return
        }
        guard log.matches(index: request.prevLogIndex, term: request.prevLogTerm) else {
            send(to: leaderID, .appendResponse(AppendResponse(index: request.prevLogIndex,
                                                              rejection: rejectHint(at: request.prevLogIndex))))
            return
        }
        let lastNew = request.prevLogIndex.advanced(by: request.entries.count)
        if let conflict = request.entries.firstIndex(where: { !log.matches(index: $0.index, term: $0.term) }) {
            let first = request.entries[conflict].index
            // Log matching makes a conflict at or below the commit index impossible; refuse
            // the message rather than lose a committed entry.
            guard first > log.committed else { return }
            log.truncateAndAppend(request.entries[conflict...])
            markUnstable(from: first)
        }
        advanceCommit(to: min(request.commit, lastNew))
        send(to: leaderID, .appendResponse(AppendResponse(index: lastNew)))
    }

    /// Where the leader should resume: our term at `index` and the first index we hold of
    /// that term (never at or below our commit index), or our log's end when it is shorter.
    private func rejectHint(at index: LogIndex) -> RejectHint {
        let last = log.lastIndex
        guard index <= last, let conflictTerm = log.term(at: index) else {
            return RejectHint(conflictTerm: nil, conflictIndex: last.next, lastIndex: last)
        }
        let first = log.firstIndexOfTerm(at: index) ?? index
        return RejectHint(conflictTerm: conflictTerm, conflictIndex: max(first, log.committed.next), lastIndex: last)
    }

    mutating func handleHeartbeat(from leaderID: RaftNodeID, _ heartbeat: Heartbeat) {
        // The leader sends at most what it knows we hold, so this never passes our log.
        advanceCommit(to: heartbeat.commit)
        send(to: leaderID, .heartbeatResponse(HeartbeatResponse(readRound: heartbeat.readRound,
                                                                sentAtTick: heartbeat.sentAtTick,
                                                                lastIndex: log.lastIndex)))
    }
}
