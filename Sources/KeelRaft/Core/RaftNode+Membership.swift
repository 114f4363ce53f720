/// Membership changes, one server at a time (thesis §4.1): a change takes effect on each
/// node when its entry commits there; a leader accepts a new change only after the
/// previous one committed and after committing an entry of its own term.
extension RaftNode {
    /// Activates a committed config entry (called in log order by `advanceCommit`).
    mutating func applyConfigChange(_ entry: Entry) {
        guard let change = try? ConfigChange(decoding: entry.data),
              case .success(let next) = change.applied(to: configuration) else {
            // A leader validated the change against this same configuration, so this only
            // happens on corrupted input; skipping keeps every node deterministic.
            return
        }
        configuration = next
        pending.configuration = next
        guard role == .leader else { return }
        syncProgress(with: next)
        if let transferee = leadTransferee, !next.isVoter(transferee) { leadTransferee = nil }
    }

    /// Adds progress for new members, drops it for removed ones, updates learner flags.
    private mutating func syncProgress(with next: RaftConfiguration) {
        for peer in progress.all where !next.contains(peer.id) && peer.id != config.id {
            sendFarewell(to: peer)
            progress.remove(peer.id)
        }
        for member in next.members {
            if let position = progress.position(of: member) {
                progress[position].isLearner = next.isLearner(member)
            } else {
                progress.insert(Progress(id: member, isLearner: next.isLearner(member), next: log.lastIndex.next,
                                         maxInflightMessages: config.maxInflightMessages))
            }
        }
    }

    /// A last append to a removed member, from what it is known to hold, with the commit
    /// index: it learns of its own removal and stops campaigning (if the message arrives;
    /// otherwise PreVote and leases keep it harmless).
    private mutating func sendFarewell(to peer: Progress) {
        guard let prevTerm = log.term(at: peer.match) else { return }
        let entries = log.entries(from: peer.match.next, maxBytes: config.maxMessageBytes)
        send(to: peer.id, .append(AppendRequest(prevLogIndex: peer.match, prevLogTerm: prevTerm,
                                                entries: entries, commit: log.committed)))
    }

    /// The leader's own removal committed: hand leadership to the most up-to-date voter
    /// (if it is fully caught up) and step down.
    mutating func stepDownAfterRemoval() {
        broadcastAppend()
        var best: Progress?
        for peer in progress.all where peer.id != config.id && configuration.isVoter(peer.id) {
            if best == nil || peer.match > best!.match { best = peer }
        }
        if let best, best.match == log.lastIndex { sendTimeoutNow(to: best.id) }
        becomeFollower(term: term, leader: nil)
    }
}
