import KeelCluster
import KeelDataProtocol
import KeelMetaClient
import KeelRaft
import KeelRaftWire
import KeelStorage
import KeelTransport
import KeelTypes

/// The Raft baseline (`--replication raft`): every shard its own Raft group on the same
/// data nodes, store, transport and router as primary-backup, so that the two can be
/// measured side by side (docs/raft-baseline.md).
extension DataNode {
    /// Election timeout of a shard's group, in data-node ticks (about one second).
    static var raftElectionTicks: Int { 20 }

    func isRaftMode(_ state: DataNodeState) -> Bool { state.view.settings.replication == .raft }

    /// Opens the groups of the shards the map gives this node, and follows their descriptors.
    func reconcileRaftShards(_ state: inout DataNodeState) async {
        let me = configuration.id
        for descriptor in state.view.shardsInKeyOrder where descriptor.allReplicas.contains(me) {
            if let shard = state.raftShards[descriptor.id] {
                if descriptor.epoch > shard.descriptor.epoch { shard.descriptor = descriptor }
                continue
            }
            do {
                let stored = state.store.shardIDs.contains(descriptor.id)
                    ? try state.store.shard(descriptor.id) : try state.store.createShard(descriptor.id, range: descriptor.range)
                let shard = try await RaftShard.open(
                    descriptor: descriptor, me: me, directory: state.raftDirectory(descriptor.id), store: stored,
                    electionTicks: Self.raftElectionTicks, compactEvery: configuration.raftCompactEvery)
                state.raftShards[descriptor.id] = shard
                configuration.logger.info("raft shard opened", metadata: ["shard.id": "\(descriptor.id)", "raft.id": "\(shard.me)"])
                // Committed entries the store has not applied yet come out of the first step.
                await carryOut(shard.step(.tick), shard, state)
            } catch {
                configuration.logger.error("cannot open raft shard", metadata: ["shard.id": "\(descriptor.id)", "error": "\(error)"])
            }
        }
    }

    /// Takes what belongs to the Raft baseline: Raft traffic, and in raft mode every
    /// client request. Returns false for everything else.
    func handleRaft(_ event: InboundEvent, _ state: inout DataNodeState) async -> Bool {
        switch event {
        case .message(let message):
            guard message.envelope.type == RaftBatch.wireType else { return false }
            do {
                await receiveRaft(try message.envelope.decode(as: RaftBatch.self), &state)
            } catch {
                configuration.logger.warning("undecodable raft batch", metadata: ["peer": "\(message.peer)", "error": "\(error)"])
            }
            return true
        case .request(let request):
            guard isRaftMode(state), request.envelope.type == DataRequest.wireType else { return false }
            do {
                await serveRaft(try request.envelope.decode(as: DataRequest.self), request, &state)
            } catch {
                request.fail(code: "malformed", message: "\(error)")
            }
            return true
        }
    }

    /// A batch of Raft messages for one shard's group.
    func receiveRaft(_ batch: RaftBatch, _ state: inout DataNodeState) async {
        guard let shard = state.raftShards[ShardID(batch.group)] else {
            inbox.pushUrgent(.needFullMap)
            return
        }
        for message in batch.messages where message.to == shard.me {
            await carryOut(shard.step(.message(message)), shard, state)
        }
    }

    /// Most write requests one proposal step takes (bounds the latency batching adds).
    static var maxQueuedRaftWrites: Int { 256 }

    /// Proposes what the groups queued: called when the loop has nothing else to do.
    func flushRaftProposals(_ state: inout DataNodeState) async {
        for id in state.raftShards.keys.sorted() {
            guard let shard = state.raftShards[id], let input = shard.takeQueued() else { continue }
            await carryOut(shard.step(input), shard, state)
        }
    }

    /// Ticks every group; a leader the map does not name yet asks to be named primary.
    func tickRaftShards(_ state: inout DataNodeState) async {
        let now = self.now
        for id in state.raftShards.keys.sorted() {
            guard let shard = state.raftShards[id] else { continue }
            await carryOut(shard.step(.tick), shard, state)
            copyStoreIfNeeded(shard, &state)
            claimPrimaryIfLeading(shard, now: now)
        }
    }

    /// Serves a client request for a Raft baseline shard.
    func serveRaft(_ request: DataRequest, _ inbound: InboundRequest, _ state: inout DataNodeState) async {
        let shardID: ShardID
        switch request {
        case .get(let shard, _, _), .write(let shard, _), .scan(let shard, _, _, _, _): shardID = shard
        case .snapshotChunk(let shard, _, _, _): shardID = shard
        }
        guard let shard = state.raftShards[shardID] else {
            inbound.respond(DataResponse.error(KeelError(
                .notPrimary, "\(configuration.id) holds no replica of shard \(shardID)", shard: state.view.shards[shardID])))
            return
        }
        switch request {
        case .write(_, let mutations):
            shard.queue(mutations, for: inbound)
            if shard.queuedCount >= Self.maxQueuedRaftWrites, let input = shard.takeQueued() { await carryOut(shard.step(input), shard, state) }
        case .get(_, let key, let consistency):
            let serve = { (store: StoredShard) -> DataResponse in
                do throws(StorageError) {
                    let stored = try store.get(key)
                    return .value(stored.map { VersionedValue(value: $0.value, version: KeyVersion($0.version), shard: shardID) })
                } catch {
                    return .error(error.keelError)
                }
            }
            await read(shard, consistency, inbound, serve, state)
        case .scan(_, let start, let end, let limit, let consistency):
            let serve = { (store: StoredShard) -> DataResponse in
                do throws(StorageError) {
                    let page = try store.scan(from: start, to: end, limit: max(1, min(limit, 10_000)))
                    return .scan(items: page.items.map { ScanItem(key: $0.key, value: $0.value, version: KeyVersion($0.version)) }, next: page.next)
                } catch {
                    return .error(error.keelError)
                }
            }
            await read(shard, consistency, inbound, serve, state)
        case .snapshotChunk(_, _, let receiver, let chunk):
            inbound.respond(shard.exports.chunk(chunk, for: receiver, of: shard.store, maxChunkBytes: configuration.snapshotChunkBytes))
        }
    }

    private func read(
        _ shard: RaftShard, _ consistency: ReadConsistency, _ inbound: InboundRequest, _ serve: @escaping (StoredShard) -> DataResponse,
        _ state: DataNodeState
    ) async {
        guard consistency == .linearizable else {
            // The store holds committed entries only: any member may serve a stale read.
            if let refusal = shard.restoringError {
                inbound.respond(DataResponse.error(refusal))
                return
            }
            shard.readCount += 1
            inbound.respond(serve(shard.store))
            return
        }
        if let input = shard.read(for: inbound, serve) { await carryOut(shard.step(input), shard, state) }
    }

    /// Steps 1–6 of the Raft output contract: persist (fsync when asked) before anything
    /// leaves the node, send, then apply and answer.
    func carryOut(_ output: RaftOutput, _ shard: RaftShard, _ state: DataNodeState) async {
        guard !output.isEmpty else { return }
        do {
            try await shard.storage.persist(output)
        } catch {
            // Nothing may be sent that depends on a write that did not happen.
            configuration.logger.critical("raft log write failed", metadata: ["shard.id": "\(shard.id)", "error": "\(error)"])
            return
        }
        sendRaft(output.messages, shard, state)
        do {
            try shard.absorb(output)
        } catch {
            configuration.logger.critical("cannot apply committed raft entries", metadata: ["shard.id": "\(shard.id)", "error": "\(error)"])
        }
        if let soft = output.softState {
            configuration.logger.info(
                "raft shard role", metadata: ["shard.id": "\(shard.id)", "role": "\(soft.role)", "leader": "\(shard.leader.map(\.rawValue) ?? "-")"])
        }
        if let compaction = shard.compaction() { await carryOut(shard.step(compaction), shard, state) }
    }

    /// A member that needs the leader's store (it was sent a snapshot, or a copy was
    /// interrupted) pulls one, as a primary-backup learner does.
    func copyStoreIfNeeded(_ shard: RaftShard, _ state: inout DataNodeState) {
        guard shard.restoring != nil, !shard.copyInFlight, let leader = shard.leader, leader != configuration.id,
            let address = state.view.nodes[leader]?.address
        else { return }
        guard let fresh = beginStoreCopy(
            of: shard.id, range: shard.descriptor.range, epoch: shard.descriptor.epoch, from: leader, at: address, &state)
        else { return }
        shard.store = fresh
        shard.copyInFlight = true
    }

    /// The copy is in: the shard applies what waited and serves again.
    func raftStoreCopied(_ shard: RaftShard, at position: SnapshotPosition) {
        do {
            try shard.restored(shard.store, at: KeelRaft.LogIndex(position.lsn.rawValue))
            configuration.logger.info("raft store copy installed", metadata: ["shard.id": "\(shard.id)", "index": "\(position.lsn.rawValue)"])
        } catch {
            configuration.logger.critical("cannot apply after a store copy", metadata: ["shard.id": "\(shard.id)", "error": "\(error)"])
        }
    }

    /// One batch per destination; a full queue drops it (Raft retransmits).
    private func sendRaft(_ messages: [RaftMessage], _ shard: RaftShard, _ state: DataNodeState) {
        guard !messages.isEmpty else { return }
        var byDestination: [RaftNodeID: [RaftMessage]] = [:]
        for message in messages { byDestination[message.to, default: []].append(message) }
        for (destination, batch) in byDestination {
            guard let node = shard.dataNode(destination), let address = state.view.nodes[node]?.address else { continue }
            do {
                try transport.trySend(RaftBatch(group: shard.id.rawValue, messages: batch), to: PeerAddress(host: address.host, port: address.port))
            } catch {
                configuration.logger.debug("raft send dropped", metadata: ["peer": "\(node)", "error": "\(error)"])
            }
        }
    }

    /// The map's primary is where routers send requests: a leader the map does not name
    /// asks the meta group to name it (`transfer_primary`, at most once a second).
    private func claimPrimaryIfLeading(_ shard: RaftShard, now: MonotonicTime) {
        guard shard.isLeader, shard.descriptor.primary != configuration.id,
            shard.descriptor.backups.contains(configuration.id),
            shard.lastPrimaryClaim.map({ now.duration(since: $0) >= .seconds(1) }) ?? true
        else { return }
        shard.lastPrimaryClaim = now
        let command = MetaCommand.transferPrimary(shard: shard.id, expectedEpoch: shard.descriptor.epoch, to: configuration.id)
        let (meta, logger, id) = (self.meta, configuration.logger, shard.id)
        Task {
            do {
                _ = try await meta.call(.propose(command))
            } catch {
                logger.debug("primary claim not taken", metadata: ["shard.id": "\(id)", "error": "\(error)"])
            }
        }
    }
}
