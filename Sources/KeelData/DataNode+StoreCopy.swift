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
        guard let fresh = beginStoreCopy(
            of: offer.shard, range: host.replica.descriptor.range, epoch: offer.epoch, from: offer.primary, at: address, &state)
        else { return }
        host.store = fresh
        host.importing = true
    }

    /// Replaces `shard`'s store with an empty one marked `importing` and starts pulling a
    /// copy from `source` into it; the loop hears `snapshotInstalled` or `snapshotFailed`.
    /// Returns the new store, or nil if it could not be created.
    func beginStoreCopy(
        of shard: ShardID, range: KeyRange, epoch: Epoch, from source: DataNodeID, at address: HostPort, _ state: inout DataNodeState
    ) -> StoredShard? {
        let fresh: StoredShard
        do {
            try state.store.dropShard(shard)
            fresh = try state.store.createShard(shard, range: range, importing: true)
        } catch {
            configuration.logger.error("cannot start a store copy", metadata: ["shard.id": "\(shard)", "error": "\(error)"])
            return nil
        }
        configuration.logger.info("copying store", metadata: ["shard.id": "\(shard)", "from": "\(source)"])
        let (transport, inbox, me) = (self.transport, self.inbox, configuration.id)
        Task {
            do {
                let position = try await pullStoreCopy(
                    of: shard, epoch: epoch, range: range, from: PeerAddress(host: address.host, port: address.port), into: fresh,
                    as: me, over: transport)
                inbox.pushUrgent(.snapshotInstalled(shard, position))
            } catch {
                inbox.pushUrgent(.snapshotFailed(shard, "\(error)"))
            }
        }
        return fresh
    }

    /// Learner side: the copy is in; the replica continues from its position.
    func snapshotInstalled(_ shard: ShardID, _ position: SnapshotPosition, _ state: inout DataNodeState) {
        if let raft = state.raftShards[shard] {
            raftStoreCopied(raft, at: position)
            return
        }
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
        return host.exports.chunk(chunk, for: learner, of: host.store, maxChunkBytes: configuration.snapshotChunkBytes)
    }
}
