import KeelDataProtocol
import KeelReplication
import KeelStorage
import KeelTransport
import KeelTypes
import KeelWire

extension DataNode {
    /// One inbound transport event: replication traffic or a request.
    func handle(_ event: InboundEvent, _ state: inout DataNodeState) {
        switch event {
        case .message(let message):
            do {
                switch message.envelope.type {
                case ReplicationEnvelope.wireType:
                    let envelope = try message.envelope.decode(as: ReplicationEnvelope.self)
                    configuration.logger.trace("replication message", metadata: ["shard.id": "\(envelope.shard)", "from": "\(envelope.from)", "message": "\(envelope.message.summary)"])
                    guard let host = state.hosts[envelope.shard] else {
                        // Not (yet) a replica here: maybe the map is behind.
                        if envelope.message.epoch > (state.view.shards[envelope.shard]?.epoch ?? .zero) { inbox.pushUrgent(.needFullMap) }
                        return
                    }
                    carryOut(host.replica.receive(envelope.message, from: envelope.from, now: now), host, &state)
                case SnapshotOffer.wireType:
                    startCopy(try message.envelope.decode(as: SnapshotOffer.self), &state)
                default:
                    configuration.logger.debug("unexpected message", metadata: ["type": "\(message.envelope.type)"])
                }
            } catch {
                configuration.logger.warning("undecodable message", metadata: ["peer": "\(message.peer)", "error": "\(error)"])
            }
        case .request(let request):
            guard request.envelope.type == DataRequest.wireType else {
                request.fail(code: "unknown_message", message: "a data node serves data requests only")
                return
            }
            do {
                serve(try request.envelope.decode(as: DataRequest.self), request, &state)
            } catch {
                request.fail(code: "malformed", message: "\(error)")
            }
        }
    }

    private func serve(_ request: DataRequest, _ inbound: InboundRequest, _ state: inout DataNodeState) {
        switch request {
        case .get(let shard, let key, let consistency):
            inbound.respond(read(shard, consistency, state) { (host: ShardHost) throws(StorageError) -> DataResponse in
                host.reads += 1
                host.metrics.reads.increment()
                let stored = try host.store.get(key)
                return .value(stored.map { VersionedValue(value: $0.value, version: KeyVersion($0.version), shard: shard) })
            })
        case .scan(let shard, let start, let end, let limit, let consistency):
            inbound.respond(read(shard, consistency, state) { (host: ShardHost) throws(StorageError) -> DataResponse in
                host.reads += 1
                host.metrics.reads.increment()
                let page = try host.store.scan(from: start, to: end, limit: max(1, min(limit, 10_000)))
                return .scan(items: page.items.map { ScanItem(key: $0.key, value: $0.value, version: KeyVersion($0.version)) }, next: page.next)
            })
        case .write(let shard, let mutations):
            write(shard, mutations, inbound, &state)
        case .snapshotChunk(let shard, let epoch, let learner, let chunk):
            inbound.respond(copyChunk(shard, epoch: epoch, learner: learner, chunk: chunk, state))
        }
    }

    /// A read, if this replica may serve it at that consistency.
    private func read(
        _ shard: ShardID, _ consistency: ReadConsistency, _ state: DataNodeState, _ body: (ShardHost) throws(StorageError) -> DataResponse
    ) -> DataResponse {
        guard let host = state.hosts[shard], host.retiredAt == nil, !host.importing else {
            return .error(KeelError(.notPrimary, "\(configuration.id) holds no replica of shard \(shard)", shard: state.view.shards[shard]))
        }
        let refusal = consistency == .linearizable ? host.replica.servingError(now: now) : host.replica.staleReadError()
        if let refusal { return .error(refusal) }
        do {
            return try body(host)
        } catch {
            return .error(error.keelError)
        }
    }

    private func write(_ shard: ShardID, _ mutations: [Mutation], _ inbound: InboundRequest, _ state: inout DataNodeState) {
        guard let host = state.hosts[shard], host.retiredAt == nil, !mutations.isEmpty else {
            inbound.respond(DataResponse.error(KeelError(
                .notPrimary, "\(configuration.id) holds no replica of shard \(shard)", shard: state.view.shards[shard])))
            return
        }
        // A replica that cannot take writes at all says so once, as a routing error the
        // router retries, rather than failing every write of the batch.
        if let refusal = host.replica.servingError(now: now) {
            inbound.respond(DataResponse.error(refusal))
            return
        }
        let first = state.takeRequestIDs(mutations.count)
        // Stored versions of the keys the replica's window does not know, in one read.
        let unknown = mutations.filter { host.replica.pendingVersion(of: $0.key) == nil }.map(\.key)
        let found = (try? host.store.versions(of: unknown)) ?? Array(repeating: nil, count: unknown.count)
        var stored: [[UInt8]: KeyVersion] = [:]
        for (key, version) in zip(unknown, found) { if let version { stored[key] = KeyVersion(version) } }
        var writes: [ClientWrite] = []
        for (offset, mutation) in mutations.enumerated() {
            writes.append(ClientWrite(requestID: first + UInt64(offset), mutation: mutation, storedVersion: stored[mutation.key] ?? .absent))
            host.batchOf[first + UInt64(offset)] = first
        }
        host.waiting[first] = ShardHost.WaitingBatch(
            request: inbound, results: Array(repeating: nil, count: mutations.count), firstID: first, remaining: mutations.count)
        host.writes += mutations.count
        host.metrics.writes.increment(by: mutations.count)
        carryOut(host.replica.submit(writes, now: now), host, &state)
        carryOut(host.replica.flush(now: now), host, &state)
    }
}
