import Foundation
import KeelCluster
import KeelDataProtocol
import KeelMetaClient
import KeelReplication
import KeelStorage
import KeelTransport
import KeelTypes

extension DataNode {
    /// Brings the set of replicas in line with the map: opens the ones this node was given,
    /// reconfigures the rest, and retires the ones it lost.
    func reconcileReplicas(_ state: inout DataNodeState) {
        let me = configuration.id
        for descriptor in state.view.shardsInKeyOrder where descriptor.allReplicas.contains(me) {
            do {
                let host = try state.hosts[descriptor.id] ?? createHost(descriptor, &state)
                host.retiredAt = nil
                if descriptor.epoch > host.replica.descriptor.epoch {
                    let before = host.replica.role
                    carryOut(host.replica.configure(descriptor, now: now), host, &state)
                    configuration.logger.info(
                        "replica configured",
                        metadata: ["shard.id": "\(descriptor.id)", "shard.epoch": "\(descriptor.epoch)", "role": "\(before) → \(host.replica.role)"])
                }
            } catch {
                configuration.logger.error("cannot open replica", metadata: ["shard.id": "\(descriptor.id)", "error": "\(error)"])
            }
        }
        for (id, host) in state.hosts where !(state.view.shards[id]?.allReplicas.contains(me) ?? false) {
            if host.retiredAt == nil {
                host.retiredAt = now
                if let descriptor = state.view.shards[id], descriptor.epoch > host.replica.descriptor.epoch {
                    carryOut(host.replica.configure(descriptor, now: now), host, &state)
                }
            }
        }
    }

    private func createHost(_ descriptor: ShardDescriptor, _ state: inout DataNodeState) throws -> ShardHost {
        let stored = try state.store.createShard(descriptor.id, range: descriptor.range)
        let host = try state.openHost(descriptor.id, store: stored, range: descriptor.range)
        state.hosts[descriptor.id] = host
        configuration.logger.info("replica created", metadata: ["shard.id": "\(descriptor.id)", "shard.epoch": "\(descriptor.epoch)"])
        return host
    }

    /// Carries out one replica output in the order of its contract.
    func carryOut(_ output: ReplicaOutput, _ host: ShardHost, _ state: inout DataNodeState) {
        guard !output.isEmpty else { return }
        do {
            try persist(output, host)
        } catch {
            configuration.logger.error("replication log write failed", metadata: ["shard.id": "\(host.id)", "error": "\(error)"])
        }
        send(output.messages, shard: host.id, state)
        if !output.apply.isEmpty || !output.answers.isEmpty { apply(output.apply, answers: output.answers, host) }
        for need in output.requests {
            configuration.logger.info("asking the meta group", metadata: ["shard.id": "\(host.id)", "need": "\(need)", "replica": "\(host.replica.debugState)"])
            askMeta(need, shard: host.id)
        }
        for learner in output.snapshotsToSend {
            guard let address = state.view.nodes[learner]?.address else { continue }
            try? transport.trySend(
                SnapshotOffer(shard: host.id, epoch: host.replica.descriptor.epoch, primary: configuration.id),
                to: PeerAddress(host: address.host, port: address.port))
        }
        if output.newerEpochSeen != nil { inbox.pushUrgent(.needFullMap) }
    }

    /// Step 1: truncate, queue the appends, and have a task report when they are durable.
    private func persist(_ output: ReplicaOutput, _ host: ShardHost) throws(StorageError) {
        if let keep = output.truncateAfter {
            if keep.rawValue + 1 < host.log.firstIndex.rawValue || keep > host.queuedThrough {
                // A store copy was installed past the log's end (or before its start):
                // the log starts over after it.
                try host.log.blocking.reset(nextIndex: LogIndex(keep.rawValue + 1))
            } else if host.queuedThrough > keep {
                // Ordered after the appends already queued, like every log operation.
                try host.log.blocking.truncateSuffix(after: LogIndex(keep.rawValue))
            }
            host.logGeneration += 1
            host.queuedThrough = keep
        }
        guard let first = output.append.first, let last = output.append.last else { return }
        configuration.logger.trace("log append", metadata: ["shard.id": "\(host.id)", "lsn": "\(first.lsn.rawValue)…\(last.lsn.rawValue)", "log.last": "\(host.log.lastIndex)"])
        try host.log.blocking.append(output.append.map(ReplicationLogCodec.payload), at: LogIndex(first.lsn.rawValue))
        host.metrics.logAppends.increment(by: output.append.count)
        host.queuedThrough = last.lsn
        let (log, shard, generation, inbox) = (host.log, host.id, host.logGeneration, self.inbox)
        Task {
            do {
                try await log.sync()
                inbox.pushUrgent(.persisted(shard, generation: generation, through: last.lsn))
            } catch {
                inbox.pushUrgent(.persistFailed(shard, "\(error)"))
            }
        }
    }

    /// Step 3: committed records go to the store in one transaction with their last LSN,
    /// on the shard's applier; the clients are answered once that transaction is durable
    /// (`applied` event), so a read after an answer sees the write.
    private func apply(_ records: [ReplicationRecord], answers: [(requestID: UInt64, result: Result<WriteOutcome, KeelError>)], _ host: ShardHost) {
        guard host.applyJobs.add((records, answers)) else { return }
        let (store, inbox, logger, shard, jobs) = (host.store, self.inbox, configuration.logger, host.id, host.applyJobs)
        host.applier.async {
            while let batch = jobs.takeAll() {
                let records = batch.flatMap(\.records)
                let answers = batch.flatMap(\.answers)
                var through: LSN?
                if let first = records.first, let last = records.last {
                    var writes = WriteBatch()
                    for record in records {
                        for write in record.writes {
                            switch write {
                            case .put(let key, let value, _): writes.put(key, value)
                            case .delete(let key): writes.delete(key)
                            }
                        }
                    }
                    do throws(StorageError) {
                        _ = try store.apply(writes, records: LogIndex(first.lsn.rawValue)...LogIndex(last.lsn.rawValue), term: last.epoch.rawValue)
                        through = last.lsn
                    } catch {
                        logger.critical("cannot apply committed records", metadata: ["shard.id": "\(shard)", "error": "\(error)"])
                        inbox.pushUrgent(.applied(shard, through: nil, answers: answers.map { ($0.requestID, .failure(error.keelError)) }))
                        continue
                    }
                }
                inbox.pushUrgent(.applied(shard, through: through, answers: answers))
            }
        }
    }

    /// The applier finished: the replica learns the store's position, clients get answers.
    func applied(_ shard: ShardID, through: LSN?, answers: [(requestID: UInt64, result: Result<WriteOutcome, KeelError>)], _ state: inout DataNodeState) {
        guard let host = state.hosts[shard] else { return }
        if let through {
            host.metrics.appliedRecords.increment(by: Int(through.rawValue - min(through.rawValue, host.replica.applied.rawValue)))
            host.replica.applied(through: through)
        }
        for (requestID, result) in answers {
            if let (request, results) = host.answer(requestID, result) { request.respond(DataResponse.writes(results)) }
        }
    }

    func send(_ messages: [(to: DataNodeID, message: ReplicationMessage)], shard: ShardID, _ state: DataNodeState) {
        for (to, message) in messages {
            guard let address = state.view.nodes[to]?.address else { continue }
            do {
                try transport.trySend(
                    ReplicationEnvelope(shard: shard, from: configuration.id, message: message),
                    to: PeerAddress(host: address.host, port: address.port))
            } catch {
                configuration.logger.debug("replication send dropped", metadata: ["peer": "\(to)", "error": "\(error)"])
            }
        }
    }

    private func askMeta(_ need: MetaRequestNeed, shard: ShardID) {
        let request: MetaRequest
        switch need {
        case .removeReplica(let node, let epoch): request = .replicaUnreachable(shard: shard, epoch: epoch, node: node)
        case .promoteLearner(let node, let epoch): request = .learnerCaughtUp(shard: shard, epoch: epoch, node: node)
        case .renewEpoch(let node, let epoch): request = .primaryRestarted(shard: shard, epoch: epoch, node: node)
        }
        let (meta, logger) = (self.meta, configuration.logger)
        Task {
            do {
                _ = try await meta.call(request)
            } catch {
                logger.info("meta request refused", metadata: ["shard.id": "\(shard)", "request": "\(request)", "error": "\(error)"])
            }
        }
    }

    /// Ticks every replica, sends heartbeats, trims logs and deletes retired replicas.
    func tick(_ state: inout DataNodeState) {
        let now = self.now
        for host in state.hosts.values.sorted(by: { $0.id < $1.id }) {
            carryOut(host.replica.tick(now: now), host, &state)
            trimLog(host)
            if let retiredAt = host.retiredAt, now.duration(since: retiredAt) >= configuration.dropRetiredReplicasAfter {
                drop(host, &state)
            }
        }
        let interval = Duration.milliseconds(Int64(state.view.settings.heartbeatIntervalMs))
        if !state.heartbeatInFlight, now.duration(since: state.lastHeartbeat) >= interval {
            sendHeartbeat(&state)
        }
    }

    /// Keeps memory and disk bounded: the replica keeps in memory only the records a peer
    /// may still need (plus a small margin for a briefly lagging peer); the disk log keeps
    /// what the store has not applied, plus `retainedLogRecords` for catching up after a
    /// restart. A peer behind what is kept gets a store copy.
    private func trimLog(_ host: ShardHost) {
        let needed = host.replica.oldestNeeded.rawValue
        let memoryMargin: UInt64 = 256
        if needed > memoryMargin { host.replica.trimLog(through: LSN(needed - memoryMargin)) }
        let keep = configuration.retainedLogRecords
        guard host.exports.isEmpty, needed > keep else { return }
        let through = needed - keep
        guard through >= host.log.firstIndex.rawValue + 1024 else { return }
        let log = host.log
        Task { try? await log.compact(before: LogIndex(through + 1)) }
    }

    private func drop(_ host: ShardHost, _ state: inout DataNodeState) {
        configuration.logger.info("retired replica deleted", metadata: ["shard.id": "\(host.id)"])
        host.log.close()
        host.exports.closeAll()
        state.hosts[host.id] = nil
        try? state.store.dropShard(host.id)
        try? FileManager.default.removeItem(atPath: state.logDirectory(host.id))
    }
}
