import KeelTypes

extension ShardReplica {
    /// A message from another replica of this shard.
    public mutating func receive(_ message: ReplicationMessage, from sender: DataNodeID, now: MonotonicTime) -> ReplicaOutput {
        var output = ReplicaOutput()
        if case .staleEpoch(let view) = message {
            if view.epoch > descriptor.epoch { output.newerEpochSeen = view.epoch }
            return output
        }
        guard message.epoch == descriptor.epoch else {
            if message.epoch < descriptor.epoch {
                output.send(.staleEpoch(descriptor), to: sender)
            } else {
                output.newerEpochSeen = message.epoch
            }
            return output
        }
        switch message {
        case .prepare(_, let records, let commitPoint):
            guard sender == descriptor.primary, role == .backup || role == .learner else { return output }
            accept(records, from: sender, now: now, &output)
            commit(through: min(commitPoint, acknowledgeable), &output)
        case .commit(_, let commitPoint):
            guard sender == descriptor.primary else { return output }
            commit(through: min(commitPoint, acknowledgeable), &output)
        case .reconcile(_, let last, let lastEpoch, let commitPoint):
            guard sender == descriptor.primary, role == .backup || role == .learner else { return output }
            answerReconcile(last: last, lastEpoch: lastEpoch, commitPoint: commitPoint, from: sender, &output)
            commit(through: min(commitPoint, acknowledgeable), &output)
        case .reconcileReply(_, let last, let lastEpoch):
            guard role == .primary, var peer = peers[sender] else { return output }
            peer.lastHeard = now
            peers[sender] = peer
            reconcileReplied(sender, last: last, lastEpoch: lastEpoch, &output)
        case .prepareAck(_, let durableThere):
            guard role == .primary, var peer = peers[sender] else { return output }
            peer.lastHeard = now
            peer.acked = max(peer.acked, durableThere)
            if peer.awaitingSnapshot, peer.acked > .zero {
                peer.awaitingSnapshot = false
                peer.sent = peer.acked
                peer.reconciled = true
            }
            peer.sent = max(peer.sent, peer.acked)
            peers[sender] = peer
            replicate(to: sender, &output)
            advanceCommit(&output)
            reportIfCaughtUp(sender, &output)
        case .prepareGap(_, let expected):
            guard role == .primary, var peer = peers[sender] else { return output }
            // The replica says where its log ends: resend from there (never from an
            // acknowledgement it no longer stands behind).
            peer.lastHeard = now
            peer.sent = expected.previous
            peer.acked = min(peer.acked, expected.previous)
            peers[sender] = peer
            replicate(to: sender, &output)
        case .staleEpoch:
            break
        }
        return output
    }

    /// Backup side of `prepare`: records that continue the part of the log known to agree
    /// with the primary's are taken (replacing a different record at the same LSN); a
    /// record beyond it asks the primary to send again from there.
    private mutating func accept(_ records: [ReplicationRecord], from primary: DataNodeID, now: MonotonicTime, _ output: inout ReplicaOutput) {
        for record in records where record.lsn > matched {
            guard record.lsn == matched.next else {
                requestGap(from: primary, now: now, &output)
                return
            }
            if record.lsn <= lastLSN {
                // An LSN and an epoch name one record: the same one is kept (a resend, or
                // a tail that turns out to agree); a different one replaces the tail.
                if self.record(at: record.lsn)?.epoch == record.epoch {
                    matched = record.lsn
                    continue
                }
                truncate(after: record.lsn.previous, &output)
            }
            log.append(record)
            output.append.append(record)
            matched = record.lsn
        }
        gapRequested = nil
    }

    /// Asks the primary to resend from just after the agreeing part of the log, once per gap.
    private mutating func requestGap(from primary: DataNodeID, now: MonotonicTime, _ output: inout ReplicaOutput) {
        let expected = matched.next
        if let asked = gapRequested, asked.expected == expected, now.duration(since: asked.at) < config.commitHeartbeat { return }
        gapRequested = (expected, now)
        output.send(.prepareGap(epoch: descriptor.epoch, expected: expected), to: primary)
    }

    /// Backup side of reconciliation: match the new primary's log, which ends at `last`.
    ///
    /// Three rules keep it from losing anything:
    /// * records at or below a known commit point are identical everywhere and are never
    ///   cut: this replica's own, and for a backup (a member of the configuration, which
    ///   holds every committed record) the one the primary sends; nor are records already
    ///   known to agree with this primary's log (`matched`);
    /// * records the current epoch's primary wrote are authoritative: a reconcile that would
    ///   cut them is a delayed or duplicated one, and changes nothing;
    /// * the answer names the durable end of the log, never records still being written,
    ///   because the primary counts the answer as an acknowledgement.
    ///
    /// Beyond the commit point, where the logs agree is decided by the record at `last`
    /// (an LSN and an epoch name one record). A learner's tail may have been written under
    /// an older primary, so for a learner the primary's commit point proves nothing.
    private mutating func answerReconcile(
        last: LSN, lastEpoch: Epoch, commitPoint: LSN, from primary: DataNodeID, _ output: inout ReplicaOutput
    ) {
        let stale = log.contains { $0.lsn > last && $0.epoch == descriptor.epoch }
        var unjudgedAnswer: LSN?
        if !stale {
            // Never cut below what is known to agree with this primary (a delayed reconcile
            // may name an earlier end of its log).
            let known = max(matched, role == .backup ? max(committed, min(commitPoint, lastLSN)) : committed)
            if last <= max(logBase, known) || (last <= lastLSN && lastEpoch != .zero && record(at: last)?.epoch == lastEpoch) {
                truncate(after: max(last, known), &output)
                matched = lastLSN
            } else if last <= lastLSN && lastEpoch != .zero {
                // A different record at `last`: everything after what is known is suspect.
                truncate(after: known, &output)
                matched = lastLSN
            } else {
                // The primary's log ends beyond ours, or it no longer holds the record at
                // `last` (applied and trimmed there): nothing here can be judged against
                // it, so nothing is cut (it may be what this replica acknowledged before
                // a restart). Where the primary cannot judge either, the answer names
                // only what is known to agree.
                matched = known
                if last <= lastLSN { unjudgedAnswer = min(known, durable) }
            }
        }
        let mine = unjudgedAnswer ?? min(lastLSN, durable)
        output.send(.reconcileReply(epoch: descriptor.epoch, last: mine, lastEpoch: record(at: mine)?.epoch ?? .zero), to: primary)
    }

    /// Primary side: a peer's log ends at `last`; if it matches ours there, stream the rest.
    private mutating func reconcileReplied(_ peer: DataNodeID, last: LSN, lastEpoch: Epoch, _ output: inout ReplicaOutput) {
        guard var state = peers[peer], !state.reconciled else { return }
        // `lastEpoch` zero: the record is below the replica's log, so applied there, so
        // committed, so identical to ours. Below our own log (trimmed, so committed) a
        // backup's record is the committed one; a learner's may be older and is probed.
        let matches =
            last == .zero || lastEpoch == .zero
            || (last <= logBase ? descriptor.backups.contains(peer) : (last <= lastLSN && record(at: last)?.epoch == lastEpoch))
        guard matches || last > logBase else {
            // A learner's tail behind our trimmed log cannot be checked record by record:
            // it gets a copy of the store, which holds everything it acknowledged, and
            // continues from there (probing would make it cut records it acknowledged
            // before a restart).
            state.reconciled = true
            state.acked = .zero
            state.sent = .zero
            state.awaitingSnapshot = true
            peers[peer] = state
            output.snapshotsToSend.append(peer)
            return
        }
        guard matches else {
            // Walk back one record at a time (bounded by the uncommitted window).
            let probe = min(last, lastLSN).previous
            output.send(reconcileMessage(last: probe), to: peer)
            return
        }
        state.reconciled = true
        state.acked = last
        state.sent = last
        peers[peer] = state
        replicate(to: peer, &output)
        checkReconciled(&output)
        advanceCommit(&output)
        reportIfCaughtUp(peer, &output)
    }

    /// Asks the meta group to promote a learner once it holds everything committed.
    mutating func reportIfCaughtUp(_ peer: DataNodeID, _ output: inout ReplicaOutput) {
        guard descriptor.learners.contains(peer), !reportedCaughtUp.contains(peer), let state = peers[peer],
            state.acked >= committed, lastLSN.rawValue - state.acked.rawValue <= 16
        else { return }
        reportedCaughtUp.insert(peer)
        output.requests.append(.promoteLearner(node: peer, epoch: descriptor.epoch))
    }
}
