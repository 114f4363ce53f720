/// Leadership transfer (thesis §3.10): the leader stops accepting proposals, brings the
/// target up to date, and sends it TimeoutNow so it campaigns at once. The transfer is
/// abandoned after an election timeout.
extension RaftNode {
    mutating func transferLeadership(to target: RaftNodeID, requestedBy requester: RaftNodeID) {
        guard role == .leader else {
            if let leader, requester == config.id { send(to: leader, .transferLeadership(target: target)) }
            return
        }
        guard target != config.id else { return }
        guard configuration.isVoter(target), let position = progress.position(of: target) else {
            if requester == config.id {
                pending.errors.append(RaftError(.invalidTransferTarget, "\(target) is not a voter of this group"))
            }
            return
        }
        if leadTransferee == target { return }
        leadTransferee = target
        electionElapsed = 0
        if progress[position].match == log.lastIndex {
            sendTimeoutNow(to: target)
        } else {
            sendAppends(to: position)
        }
    }

    mutating func sendTimeoutNow(to target: RaftNodeID) {
        // The target will campaign ignoring follower leases: ours ends now.
        leaseRevoked = true
        send(to: target, .timeoutNow)
    }
}
