/// Proposals: only a leader appends. Every proposal is either accepted (with its index)
/// or rejected with a reason in the same output; none is dropped silently. Followers
/// reject rather than forward, because a forwarded proposal could be lost without
/// anyone being told (docs/raft.md).
extension RaftNode {
    mutating func propose(_ proposals: [Proposal]) {
        if let reason = proposalBlocker() {
            for proposal in proposals { pending.rejectedProposals.append(RejectedProposal(id: proposal.id, reason: reason)) }
            return
        }
        var appended = false
        for proposal in proposals {
            guard admit(bytes: proposal.data.count) else {
                pending.rejectedProposals.append(RejectedProposal(id: proposal.id, reason: .uncommittedBytesExceeded))
                continue
            }
            appendToOwnLog(kind: .normal, data: proposal.data)
            pending.acceptedProposals.append(AcceptedProposal(id: proposal.id, index: log.lastIndex, term: term))
            appended = true
        }
        if appended { afterOwnAppend() }
    }

    mutating func proposeConfigChange(_ id: ProposalID, _ change: ConfigChange) {
        let reject = { (reason: ProposalRejection) in RejectedProposal(id: id, reason: reason) }
        if let reason = proposalBlocker() {
            pending.rejectedProposals.append(reject(reason))
            return
        }
        // One change at a time, and only once this leader committed an entry of its own
        // term: together they make single-server changes safe (Ongaro, raft-dev 2015).
        guard pendingConfigIndex <= log.committed, hasCommittedInCurrentTerm else {
            pending.rejectedProposals.append(reject(.configChangePending))
            return
        }
        if case .failure(let error) = change.applied(to: configuration) {
            pending.rejectedProposals.append(reject(.invalidConfigChange(error.message)))
            return
        }
        let data = change.encoded()
        guard admit(bytes: data.count) else {
            pending.rejectedProposals.append(reject(.uncommittedBytesExceeded))
            return
        }
        appendToOwnLog(kind: .configChange, data: data)
        pendingConfigIndex = log.lastIndex
        pending.acceptedProposals.append(AcceptedProposal(id: id, index: log.lastIndex, term: term))
        afterOwnAppend()
    }

    /// Why no proposal can be accepted right now, if so.
    private func proposalBlocker() -> ProposalRejection? {
        if role != .leader { return .notLeader(leader: leader) }
        if leadTransferee != nil { return .leadershipTransferInProgress }
        return nil
    }

    /// Back-pressure: charges `bytes` against `maxUncommittedEntriesBytes`. An entry is
    /// always admitted when nothing is uncommitted, so one large entry cannot block forever.
    private mutating func admit(bytes: Int) -> Bool {
        guard uncommittedBytes == 0 || uncommittedBytes + bytes <= config.maxUncommittedEntriesBytes else { return false }
        uncommittedBytes += bytes
        return true
    }
}
