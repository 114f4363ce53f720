import KeelTypes

extension ShardReplica {
    /// The shell made the log durable through `lsn`.
    public mutating func persisted(through lsn: LSN) -> ReplicaOutput {
        var output = ReplicaOutput()
        let target = min(lsn, lastLSN)
        guard target > durable else { return output }
        durable = target
        switch role {
        case .primary:
            advanceCommit(&output)
        case .backup, .learner:
            if let primary = descriptor.primary {
                output.send(.prepareAck(epoch: descriptor.epoch, durable: acknowledgeable), to: primary)
            }
        case .inactive:
            break
        }
        return output
    }

    /// Backup and learner: what this replica may acknowledge: durable, and agreeing with
    /// the current primary's log.
    var acknowledgeable: LSN { min(durable, matched) }

    /// The shell applied committed records through `lsn` to the store (durably).
    public mutating func applied(through lsn: LSN) {
        guard lsn > applied else { return }
        applied = min(lsn, committed)
        window = window.filter { $0.value.lsn > applied }
    }

    /// The shell dropped log records through `lsn` (they are in the store); peers that
    /// still need them will get a snapshot instead.
    public mutating func trimLog(through lsn: LSN) {
        let target = min(lsn, applied)
        guard target > logBase else { return }
        log.removeFirst(Int(target.rawValue - logBase.rawValue))
        logBase = target
    }

    /// The oldest record a peer still needs (the shell keeps its log from here on).
    /// A learner more than `maxLearnerLagRecords` behind is not waited for (it will get a
    /// store copy instead), so a slow learner cannot make the log grow without bound.
    public var oldestNeeded: LSN {
        guard role == .primary else { return applied }
        let floor = LSN(lastLSN.rawValue > Self.maxLearnerLagRecords ? lastLSN.rawValue - Self.maxLearnerLagRecords : 0)
        return peers.filter { peer, state in
            !state.awaitingSnapshot && (descriptor.backups.contains(peer) || reportedCaughtUp.contains(peer) || state.acked >= floor)
        }.map(\.value.acked).reduce(applied, min)
    }

    static let maxLearnerLagRecords: UInt64 = 4096

    /// A learner installed a copy of the primary's store taken at `lsn`.
    public mutating func snapshotInstalled(at lsn: LSN) -> ReplicaOutput {
        var output = ReplicaOutput()
        log = []
        pendingBytes = 0
        logBase = lsn
        durable = lsn
        committed = lsn
        applied = lsn
        matched = lsn
        window = [:]
        output.truncateAfter = lsn
        if let primary = descriptor.primary {
            output.send(.prepareAck(epoch: descriptor.epoch, durable: lsn), to: primary)
        }
        return output
    }

    /// Time passes: retransmissions, commit heartbeats, and reports of silent backups.
    public mutating func tick(now: MonotonicTime) -> ReplicaOutput {
        var output = ReplicaOutput()
        guard role == .primary else { return output }
        if awaitingNewEpoch {
            if now.duration(since: lastEpochRequest ?? .zero) >= config.backupTimeout { requestNewEpoch(now: now, &output) }
            return output
        }
        for peer in peers.keys.sorted() {
            guard var state = peers[peer] else { continue }
            let silence = now.duration(since: state.lastHeard)
            let behind = state.acked < lastLSN || !state.reconciled
            let countsForCommit = descriptor.backups.contains(peer) || reportedCaughtUp.contains(peer)
            if behind, silence >= config.backupTimeout, countsForCommit, !requestedRemoval.contains(peer) {
                requestedRemoval.insert(peer)
                output.requests.append(.removeReplica(node: peer, epoch: descriptor.epoch))
            }
            if behind, silence >= config.commitHeartbeat * 2 {
                // Messages may have been lost: start again from what the peer acknowledged.
                if state.reconciled {
                    state.sent = state.acked
                    state.awaitingSnapshot = false
                    peers[peer] = state
                    replicate(to: peer, &output)
                } else {
                    output.send(reconcileMessage(last: lastLSN), to: peer)
                }
            }
        }
        for learner in descriptor.learners { reportIfCaughtUp(learner, &output) }
        if now.duration(since: lastCommitSent) >= config.commitHeartbeat {
            lastCommitSent = now
            for peer in peers.keys.sorted() where peers[peer]?.reconciled == true {
                output.send(.commit(epoch: descriptor.epoch, commit: committed), to: peer)
            }
        }
        return output
    }
}
