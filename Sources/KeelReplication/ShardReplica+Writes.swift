import KeelTypes

extension ShardReplica {
    /// Client writes arriving at the primary. Each is decided now (condition, version) and
    /// joins the open batch; its answer comes once its record commits. Call `flush` after a
    /// burst of submissions: everything submitted in between shares one record (group commit).
    public mutating func submit(_ writes: [ClientWrite], now: MonotonicTime) -> ReplicaOutput {
        var output = ReplicaOutput()
        for write in writes {
            if let refusal = refusal(now: now) {
                output.answers.append((write.requestID, .failure(refusal)))
                continue
            }
            switch decide(write) {
            case .failure(let error):
                // A refusal that depends on a write not yet committed is answered when that
                // write commits: if it never does (a failover), the refusal was not true.
                if let pending = window[write.mutation.key], pending.lsn > committed {
                    if pending.lsn > lastLSN {
                        deferredOnOpenBatch.append((write.requestID, .failure(error)))
                    } else {
                        requestsByLSN[pending.lsn, default: []].append((write.requestID, .failure(error)))
                    }
                } else {
                    output.answers.append((write.requestID, .failure(error)))
                }
            case .success(let (replicated, outcome)):
                openBatch.append(replicated)
                openBatchBytes += replicated.sizeBytes
                openOutcomes.append((write.requestID, outcome))
                if openBatch.count >= config.maxBatchWrites || openBatchBytes >= config.maxBatchBytes { seal(&output) }
            }
        }
        return output
    }

    /// Seals the open batch into a record and prepares it everywhere.
    public mutating func flush(now: MonotonicTime) -> ReplicaOutput {
        var output = ReplicaOutput()
        seal(&output)
        return output
    }

    /// Why a new write cannot be taken now, if it cannot.
    private func refusal(now: MonotonicTime) -> KeelError? {
        if let error = servingError(now: now) { return error }
        if descriptor.configuration.count < config.minInsync {
            return KeelError(
                .notEnoughReplicas,
                "shard \(descriptor.id) has \(descriptor.configuration.count) replicas in its configuration; min-insync is \(config.minInsync)",
                shard: descriptor)
        }
        if uncommittedBytes + openBatchBytes >= config.maxUncommittedBytes {
            return KeelError(.overloaded, "shard \(descriptor.id) has \(uncommittedBytes) uncommitted bytes; retry shortly", shard: descriptor)
        }
        return nil
    }

    /// Bytes of log records not yet committed (kept up to date by `seal` and `commit`,
    /// so the check on every write costs nothing).
    var uncommittedBytes: Int { pendingBytes }

    /// Checks the write's condition against the latest prepared state and assigns its version.
    private mutating func decide(_ write: ClientWrite) -> Result<(ReplicatedWrite, WriteOutcome), KeelError> {
        let key = write.mutation.key
        guard descriptor.range.contains(key) else {
            return .failure(KeelError(.keyOutOfRange, "the key is outside shard \(descriptor.id) \(descriptor.range)", shard: descriptor))
        }
        let current: KeyVersion? = window[key].map { $0.version } ?? (write.storedVersion == .absent ? nil : write.storedVersion)
        let pendingLSN = lastLSN.next
        switch write.mutation {
        case .put(_, let value, let condition):
            if case .ifVersion(let expected) = condition, expected != (current ?? .absent) {
                return .failure(KeelError(.versionMismatch, "the key's version is \(current ?? .absent), not \(expected)"))
            }
            let version = (current ?? .absent).next
            window[key] = (version, pendingLSN)
            return .success((.put(key: key, value: value, version: version), WriteOutcome(shard: descriptor.id, version: version)))
        case .delete(_, let condition):
            guard let existing = current else { return .failure(KeelError(.notFound, "no such key")) }
            if case .ifVersion(let expected) = condition, expected != existing {
                return .failure(KeelError(.versionMismatch, "the key's version is \(existing), not \(expected)"))
            }
            window[key] = (nil, pendingLSN)
            return .success((.delete(key: key), WriteOutcome(shard: descriptor.id, version: existing)))
        }
    }

    mutating func seal(_ output: inout ReplicaOutput) {
        guard !openBatch.isEmpty else { return }
        let record = ReplicationRecord(lsn: lastLSN.next, epoch: descriptor.epoch, writes: openBatch)
        log.append(record)
        pendingBytes += record.sizeBytes
        output.append.append(record)
        requestsByLSN[record.lsn, default: []] += openOutcomes.map { ($0.requestID, .success($0.outcome)) } + deferredOnOpenBatch
        deferredOnOpenBatch = []
        openBatch = []
        openBatchBytes = 0
        openOutcomes = []
        for peer in peers.keys.sorted() { replicate(to: peer, &output) }
    }

    /// Sends a peer the records it has not been sent, a bounded number per message.
    mutating func replicate(to peer: DataNodeID, _ output: inout ReplicaOutput) {
        guard var state = peers[peer], state.reconciled, !state.awaitingSnapshot else { return }
        while state.sent < lastLSN {
            let first = state.sent.next
            guard first > logBase else {
                state.awaitingSnapshot = true
                output.snapshotsToSend.append(peer)
                break
            }
            let count = min(config.maxRecordsPerMessage, Int(lastLSN.rawValue - state.sent.rawValue))
            let start = Int(first.rawValue - logBase.rawValue - 1)
            output.send(.prepare(epoch: descriptor.epoch, records: Array(log[start..<(start + count)]), commit: committed), to: peer)
            state.sent = LSN(state.sent.rawValue + UInt64(count))
        }
        peers[peer] = state
    }

    /// Commits what every replica of the configuration holds durably.
    mutating func advanceCommit(_ output: inout ReplicaOutput) {
        guard role == .primary, reconciled else { return }
        var candidate = durable
        var countsBackups = true
        #if DEBUG
        countsBackups = !injectedBugs.contains(.ackBeforeBackupsDurable)
        #endif
        if countsBackups {
            // A learner whose promotion was asked for counts too: once promoted it must hold
            // every record committed in the meantime, or a failover to it would lose them.
            for backup in descriptor.backups + reportedCaughtUp.sorted() {
                candidate = min(candidate, peers[backup]?.acked ?? .zero)
            }
        }
        commit(through: candidate, &output)
    }

    /// Moves the commit point forward and hands the newly committed records to the shell.
    mutating func commit(through lsn: LSN, _ output: inout ReplicaOutput) {
        let target = min(lsn, lastLSN)
        guard target > committed else { return }
        for index in (committed.rawValue + 1)...target.rawValue {
            guard let record = record(at: LSN(index)) else { continue }
            pendingBytes = max(0, pendingBytes - record.sizeBytes)
            output.apply.append(record)
            for request in requestsByLSN.removeValue(forKey: record.lsn) ?? [] {
                output.answers.append((request.requestID, request.result))
            }
        }
        committed = target
    }
}
