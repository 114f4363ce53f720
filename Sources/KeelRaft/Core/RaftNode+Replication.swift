/// Leader-side log replication (§5.3): batched, pipelined appends within each follower's
/// inflight window, probing after a rejection with fast backtracking, heartbeats, and
/// commitment by counting only entries of the current term (§5.4.2, Figure 8).
extension RaftNode {
    /// Appends one entry of the current term to the leader's own log.
    mutating func appendToOwnLog(kind: Entry.Kind, data: [UInt8]) {
        let entry = Entry(term: term, index: log.lastIndex.next, kind: kind, data: data)
        log.append(entry)
        markUnstable(from: entry.index)
    }

    /// After the leader appended entries: count itself, try to commit (a single voter
    /// commits at once) and push the entries to every follower.
    mutating func afterOwnAppend() {
        if let own = progress.position(of: config.id) {
            _ = progress[own].acknowledge(log.lastIndex)
        }
        if !maybeCommit() { broadcastAppend() }
    }

    /// Sends every follower what it is missing, within its window; an empty append when
    /// it has everything but has not heard the latest commit index.
    mutating func broadcastAppend() {
        for position in progress.positions where progress[position].id != config.id {
            sendAppends(to: position)
        }
    }

    /// Pipelining: in replicate state, sends as many appends as the window allows; in
    /// probe state, at most one.
    mutating func sendAppends(to position: Int) {
        var sentAny = false
        while sendAppend(to: position, allowEmpty: false) { sentAny = true }
        let peer = progress[position]
        if !sentAny && !peer.isPaused && peer.sentCommit < min(log.committed, peer.match) {
            _ = sendAppend(to: position, allowEmpty: true)
        }
    }

    /// Sends one append to the member at `position`, or starts a snapshot when the
    /// entries it needs were compacted. Returns whether an append with entries went out.
    /// `probeOnly` sends an empty append even when paused (it never grows the window).
    @discardableResult
    mutating func sendAppend(to position: Int, allowEmpty: Bool, probeOnly: Bool = false) -> Bool {
        let peer = progress[position]
        guard probeOnly || !peer.isPaused else { return false }
        let prevIndex = peer.next.previous
        guard let prevTerm = log.term(at: prevIndex) else {
            startSnapshotTransfer(to: position)
            return false
        }
        let entries = probeOnly ? [] : log.entries(from: peer.next, maxBytes: config.maxMessageBytes)
        if entries.isEmpty && !allowEmpty { return false }
        let commit = log.committed
        send(to: peer.id, .append(AppendRequest(prevLogIndex: prevIndex, prevLogTerm: prevTerm,
                                                entries: entries, commit: commit)))
        progress[position].sentCommit = commit
        guard let last = entries.last?.index else { return false }
        switch peer.state {
        case .replicate:
            progress[position].next = last.next
            progress[position].inflights.add(lastIndex: last)
        case .probe:
            progress[position].probeSent = true
        case .snapshot:
            break
        }
        return true
    }

    mutating func broadcastHeartbeat() {
        for position in progress.positions where progress[position].id != config.id {
            let peer = progress[position]
            let heartbeat = Heartbeat(commit: min(peer.match, log.committed), readRound: reads.issuedRound, sentAtTick: ticks)
            send(to: peer.id, .heartbeat(heartbeat))
        }
    }

    mutating func handleAppendResponse(from peer: RaftNodeID, _ response: AppendResponse) {
        guard let position = progress.position(of: peer) else { return }
        progress[position].recentActive = true
        if let hint = response.rejection {
            handleRejection(at: position, rejectedIndex: response.index, hint: hint)
            return
        }
        let wasPaused = progress[position].isPaused
        guard progress[position].acknowledge(response.index) else { return }
        switch progress[position].state {
        case .probe:
            progress[position].becomeReplicate()
        case .snapshot:
            if progress[position].match >= log.snapshotIndex { progress[position].becomeReplicate() }
        case .replicate:
            progress[position].inflights.free(through: progress[position].match)
        }
        if maybeCommit() {
            // The new commit index went to every follower with the broadcast.
        } else if wasPaused || progress[position].state == .replicate {
            sendAppends(to: position)
        }
        if peer == leadTransferee && progress[position].match == log.lastIndex {
            sendTimeoutNow(to: peer)
        }
    }

    /// Fast backtracking: the follower named its term at the rejected index and the first
    /// index of that term; skip the whole term (or to the follower's end of log).
    private mutating func handleRejection(at position: Int, rejectedIndex: LogIndex, hint: RejectHint) {
        let peer = progress[position]
        // Stale answers: to an append we no longer wait for, or below what is known to
        // match (which a correct follower never rejects; ignoring it avoids a ping-pong).
        guard rejectedIndex > peer.match, peer.state != .snapshot else { return }
        if peer.state == .probe && rejectedIndex != peer.next.previous { return }
        var next = hint.conflictIndex
        if let conflictTerm = hint.conflictTerm,
           let ours = log.lastIndex(ofTerm: conflictTerm, atOrBelow: rejectedIndex) {
            next = ours.next
        }
        next = min(next, rejectedIndex, hint.lastIndex.next)
        next = max(next, peer.match.next)
        progress[position].becomeProbe()
        progress[position].next = next
        sendAppend(to: position, allowEmpty: true)
    }

    mutating func handleHeartbeatResponse(from peer: RaftNodeID, _ response: HeartbeatResponse) {
        guard let position = progress.position(of: peer) else { return }
        progress[position].recentActive = true
        if response.sentAtTick &+ 1 > progress[position].leaseAck {
            progress[position].leaseAck = response.sentAtTick &+ 1
        }
        if response.readRound > progress[position].readRoundAck {
            progress[position].readRoundAck = response.readRound
            confirmReads()
        }
        let peerProgress = progress[position]
        switch peerProgress.state {
        case .probe:
            progress[position].probeSent = false
            sendAppend(to: position, allowEmpty: true)
        case .replicate where peerProgress.match < log.lastIndex:
            if !peerProgress.inflights.isFull && peerProgress.next <= log.lastIndex {
                sendAppends(to: position)
            } else {
                // Everything was sent but not all acknowledged: the messages may be lost.
                // An empty append either is accepted (freeing the window) or reveals the
                // gap (rejected: back to probing).
                sendAppend(to: position, allowEmpty: true, probeOnly: true)
            }
        case .snapshot:
            retransmitSnapshotIfStalled(at: position)
        default:
            break
        }
    }

    /// Commits the highest index a quorum of voters holds, if it is of the current term.
    /// Returns whether the commit index moved (and then broadcasts it).
    @discardableResult
    mutating func maybeCommit() -> Bool {
        var moved = false
        while role == .leader {
            let quorumIndex = LogIndex(quorumValue(own: log.lastIndex.rawValue) { $0.match.rawValue })
            guard quorumIndex > log.committed, quorumIndex <= log.lastIndex else { break }
            // Figure 8: an entry of an older term is committed only indirectly, by
            // committing an entry of the current term after it.
            guard log.term(at: quorumIndex) == term || injected(.commitOldTermByCounting) else { break }
            // Committing may change the configuration, and with it the quorum: loop.
            advanceCommit(to: quorumIndex)
            moved = true
        }
        if moved && role == .leader {
            broadcastAppend()
            if reads.awaitingCommit.isEmpty == false { releaseReadsAwaitingCommit() }
        }
        return moved
    }

    /// Moves the commit index forward (any role): releases uncommitted-bytes budget and
    /// activates committed membership changes.
    mutating func advanceCommit(to index: LogIndex) {
        let target = min(index, log.lastIndex)
        guard target > log.committed else { return }
        let from = log.committed.next
        log.commit(to: target)
        for entry in log.slice(from: from, through: target) {
            if role == .leader && entry.term == term {
                uncommittedBytes = max(0, uncommittedBytes - entry.data.count)
            }
            if entry.kind == .configChange { applyConfigChange(entry) }
        }
        if role == .leader && !configuration.isVoter(config.id) { stepDownAfterRemoval() }
    }

    mutating func peerUnreachable(_ peer: RaftNodeID) {
        guard role == .leader, let position = progress.position(of: peer),
              progress[position].state == .replicate else { return }
        progress[position].becomeProbe()
    }
}
