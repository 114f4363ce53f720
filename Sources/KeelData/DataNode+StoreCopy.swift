import KeelDataProtocol
import KeelReplication
import KeelStorage
import KeelTransport
import KeelTypes

/// Copying a store to a learner that is behind the primary's log.
///
/// The primary offers (`SnapshotOffer`); the learner pulls numbered chunks of a consistent
/// export (`DataRequest.snapshotChunk`), imports each, and on the last one takes the
/// export's position: the replica core then continues from the log after it.
extension DataNode {
    /// Learner side: start pulling a copy, unless one is already under way.
    func startCopy(_ offer: SnapshotOffer, _ state: inout DataNodeState) {
        guard let host = state.hosts[offer.shard], !host.importing, host.replica.role == .learner,
            offer.epoch == host.replica.descriptor.epoch, let address = state.view.nodes[offer.primary]?.address
        else { return }
        let range = host.replica.descriptor.range
        let fresh: StoredShard
        do {
            try state.store.dropShard(offer.shard)
            fresh = try state.store.createShard(offer.shard, range: range, importing: true)
        } catch {
            configuration.logger.error("cannot start a store copy", metadata: ["shard.id": "\(offer.shard)", "error": "\(error)"])
            return
        }
        host.store = fresh
        host.importing = true
        configuration.logger.info("copying store from primary", metadata: ["shard.id": "\(offer.shard)", "primary": "\(offer.primary)"])
        let (transport, inbox, me) = (self.transport, self.inbox, configuration.id)
        Task {
            let peer = PeerAddress(host: address.host, port: address.port)
            var chunk: UInt64 = 0
            do {
                while true {
                    let response = try await transport.request(
                        DataRequest.snapshotChunk(shard: offer.shard, epoch: offer.epoch, learner: me, chunk: chunk), to: peer,
                        timeout: .seconds(30), expecting: DataResponse.self)
                    guard case .snapshotChunk(let entries, let position, let done) = response else {
                        inbox.pushUrgent(.snapshotFailed(offer.shard, "the primary answered \(response)"))
                        return
                    }
                    try fresh.importChunk(ShardChunk(entries: entries.map {
                        ShardChunk.Entry(key: $0.key, version: $0.version, storedValue: $0.storedValue)
                    }))
                    if done, let position {
                        try fresh.finishImport(ShardSnapshotInfo(
                            range: range, position: ReplicationPosition(index: LogIndex(position.lsn.rawValue), term: position.epoch.rawValue),
                            nextVersion: position.nextVersion))
                        inbox.pushUrgent(.snapshotInstalled(offer.shard, position))
                        return
                    }
                    chunk += 1
                }
            } catch {
                inbox.pushUrgent(.snapshotFailed(offer.shard, "\(error)"))
            }
        }
    }

    /// Learner side: the copy is in; the replica continues from its position.
    func snapshotInstalled(_ shard: ShardID, _ position: SnapshotPosition, _ state: inout DataNodeState) {
        guard let host = state.hosts[shard] else { return }
        host.importing = false
        carryOut(host.replica.snapshotInstalled(at: position.lsn), host, &state)
        configuration.logger.info("store copy installed", metadata: ["shard.id": "\(shard)", "lsn": "\(position.lsn)"])
    }

    /// Primary side: the next chunk of the export for `learner` (a new export at chunk 0).
    func copyChunk(_ shard: ShardID, epoch: Epoch, learner: DataNodeID, chunk: UInt64, _ state: DataNodeState) -> DataResponse {
        guard let host = state.hosts[shard], host.replica.role == .primary, host.replica.descriptor.epoch == epoch else {
            return .error(KeelError(.notPrimary, "not the primary of shard \(shard) at \(epoch)", shard: state.view.shards[shard]))
        }
        do {
            if chunk == 0 {
                host.exports[learner]?.export.close()
                host.exports[learner] = (try host.store.export(maxChunkBytes: configuration.snapshotChunkBytes), 0)
            }
            guard let running = host.exports[learner], running.next == chunk else {
                return .error(KeelError(.invalidRequest, "store copy chunk \(chunk) is out of order"))
            }
            let next = try running.export.nextChunk()
            host.exports[learner] = (running.export, chunk + 1)
            let entries = (next?.entries ?? []).map { SnapshotEntry(key: $0.key, version: $0.version, storedValue: $0.storedValue) }
            guard next == nil else { return .snapshotChunk(entries: entries, position: nil, done: false) }
            let info = running.export.info
            running.export.close()
            host.exports[learner] = nil
            return .snapshotChunk(
                entries: [], position: SnapshotPosition(lsn: LSN(info.position.index.rawValue), epoch: Epoch(info.position.term), nextVersion: info.nextVersion),
                done: true)
        } catch {
            return .error(error.keelError)
        }
    }
}
