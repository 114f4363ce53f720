import KeelTypes

extension ShardReplica {
    /// A new configuration from the meta group. Older epochs are ignored.
    ///
    /// A replica built from disk knows no epoch (`.zero`); if its first configuration
    /// makes it primary, it may have written in that epoch before it crashed, so it asks
    /// for a new epoch and writes nothing until it has one.
    public mutating func configure(_ new: ShardDescriptor, now: MonotonicTime) -> ReplicaOutput {
        var output = ReplicaOutput()
        guard new.id == descriptor.id, new.epoch > descriptor.epoch else { return output }
        let wasPrimary = role == .primary && !awaitingNewEpoch
        let freshFromDisk = descriptor.epoch == .zero
        descriptor = new
        // A new epoch may have a new primary, or the same one restarted with a shorter
        // log: what agreed with the old epoch's primary is known to agree only up to the
        // commit point.
        matched = committed
        gapRequested = nil
        awaitingNewEpoch = false
        switch role {
        case .primary where freshFromDisk:
            stepDown(&output)
            awaitingNewEpoch = true
            requestNewEpoch(now: now, &output)
        case .primary:
            becomePrimary(keepingState: wasPrimary, now: now, &output)
        case .backup, .learner, .inactive:
            // A learner's stale tail is replaced record by record by the primary's
            // reconciliation and prepares; cutting it here could drop records it acknowledged.
            stepDown(&output)
        }
        return output
    }

    mutating func requestNewEpoch(now: MonotonicTime, _ output: inout ReplicaOutput) {
        lastEpochRequest = now
        output.requests.append(.renewEpoch(node: node, epoch: descriptor.epoch))
    }

    /// The meta group granted (or renewed) the primary lease for `epoch` until `until`
    /// (the shell computes it from when it sent the heartbeat). Ignored for other epochs.
    public mutating func leaseGranted(epoch: Epoch, until: MonotonicTime) {
        guard epoch == descriptor.epoch, role == .primary else { return }
        let end = MonotonicTime(nanoseconds: until.nanoseconds - min(until.nanoseconds, config.leaseSafetyMargin.wholeNanoseconds))
        leaseUntil = max(leaseUntil ?? .zero, end)
    }

    private mutating func becomePrimary(keepingState: Bool, now: MonotonicTime, _ output: inout ReplicaOutput) {
        let others = descriptor.backups + descriptor.learners
        if keepingState {
            // Same primary, new epoch (a replica added, removed or promoted): peers that were
            // in step stay so; new ones are reconciled.
            peers = peers.filter { others.contains($0.key) }
        } else {
            peers = [:]
            reconciled = false
            leaseUntil = nil
            rebuildWindow()
        }
        for peer in others where peers[peer] == nil {
            peers[peer] = PeerState(lastHeard: now)
            output.send(reconcileMessage(last: lastLSN), to: peer)
        }
        requestedRemoval = []
        // Learners still waiting for their promotion keep counting (see advanceCommit).
        reportedCaughtUp = reportedCaughtUp.filter { descriptor.learners.contains($0) }
        checkReconciled(&output)
        advanceCommit(&output)
    }

    /// Leaves the primary role: writes this replica accepted but did not commit may still
    /// commit under the next primary, so their clients hear "maybe applied".
    private mutating func stepDown(_ output: inout ReplicaOutput) {
        for (_, requests) in requestsByLSN.sorted(by: { $0.key < $1.key }) {
            for request in requests {
                output.answers.append((request.requestID, .failure(KeelError(
                    .notPrimary, "the primary changed before the write committed; it may still be applied",
                    maybeApplied: true, shard: descriptor))))
            }
        }
        for open in openOutcomes {
            output.answers.append((open.requestID, .failure(KeelError(.notPrimary, "the primary changed", shard: descriptor))))
        }
        for deferred in deferredOnOpenBatch {
            output.answers.append((deferred.requestID, .failure(KeelError(.notPrimary, "the primary changed", shard: descriptor))))
        }
        deferredOnOpenBatch = []
        requestsByLSN = [:]
        openOutcomes = []
        openBatch = []
        openBatchBytes = 0
        peers = [:]
        reconciled = false
        leaseUntil = nil
        window = [:]
    }

    /// Rebuilds the version window from the records not yet applied.
    mutating func rebuildWindow() {
        window = [:]
        for record in log where record.lsn > applied {
            for write in record.writes {
                switch write {
                case .put(let key, _, let version): window[key] = (version, record.lsn)
                case .delete(let key): window[key] = (nil, record.lsn)
                }
            }
        }
    }

    func reconcileMessage(last: LSN) -> ReplicationMessage {
        .reconcile(epoch: descriptor.epoch, last: last, lastEpoch: record(at: last)?.epoch ?? .zero, commit: committed)
    }

    /// Serving starts once every replica of the configuration matches this log.
    mutating func checkReconciled(_ output: inout ReplicaOutput) {
        guard role == .primary, !reconciled else { return }
        guard descriptor.backups.allSatisfy({ peers[$0]?.reconciled == true }) else { return }
        reconciled = true
    }

    /// Drops log records after `lsn`, never below the commit point this replica knows
    /// (committed records are identical everywhere and may be the only durable copy).
    mutating func truncate(after lsn: LSN, _ output: inout ReplicaOutput) {
        let keep = max(lsn, committed, applied)
        guard keep < lastLSN else { return }
        let dropped = log.suffix(Int(lastLSN.rawValue - keep.rawValue))
        pendingBytes = max(0, pendingBytes - dropped.reduce(0) { $0 + ($1.lsn > committed ? $1.sizeBytes : 0) })
        log.removeLast(dropped.count)
        durable = min(durable, keep)
        committed = min(committed, keep)
        matched = min(matched, keep)
        output.truncateAfter = keep
        output.append = []
    }
}
