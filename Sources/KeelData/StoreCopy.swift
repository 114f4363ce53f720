import KeelDataProtocol
import KeelReplication
import KeelStorage
import KeelTransport
import KeelTypes

/// The two halves of copying a shard's store to a replica that is too far behind the log
/// to catch up from it: used by primary-backup learners and by Raft baseline followers
/// that received a snapshot.
///
/// The source serves numbered chunks of one consistent export per receiver
/// (`DataRequest.snapshotChunk`); the receiver imports them into a fresh store marked
/// `importing` and takes the export's position with the last one. A copy interrupted by
/// a crash leaves an `importing` store, which is dropped and copied again.
final class StoreExports {
    private var running: [DataNodeID: (export: ShardExport, next: UInt64)] = [:]

    var isEmpty: Bool { running.isEmpty }

    /// Chunk `chunk` of `receiver`'s export of `store` (chunk 0 starts a new export).
    func chunk(_ chunk: UInt64, for receiver: DataNodeID, of store: StoredShard, maxChunkBytes: Int) -> DataResponse {
        do {
            if chunk == 0 {
                running[receiver]?.export.close()
                running[receiver] = (try store.export(maxChunkBytes: maxChunkBytes), 0)
            }
            guard let current = running[receiver], current.next == chunk else {
                return .error(KeelError(.invalidRequest, "store copy chunk \(chunk) is out of order"))
            }
            let next = try current.export.nextChunk()
            running[receiver] = (current.export, chunk + 1)
            let entries = (next?.entries ?? []).map { SnapshotEntry(key: $0.key, version: $0.version, storedValue: $0.storedValue) }
            guard next == nil else { return .snapshotChunk(entries: entries, position: nil, done: false) }
            let info = current.export.info
            current.export.close()
            running[receiver] = nil
            return .snapshotChunk(
                entries: [], position: SnapshotPosition(lsn: LSN(info.position.index.rawValue), epoch: Epoch(info.position.term), nextVersion: info.nextVersion),
                done: true)
        } catch {
            return .error(error.keelError)
        }
    }

    func closeAll() {
        for current in running.values { current.export.close() }
        running = [:]
    }
}

/// Receiver side: pulls every chunk of a copy of `shard` from `source` into `fresh` (a
/// store created with `importing: true`) and finishes the import; returns its position.
func pullStoreCopy(
    of shard: ShardID, epoch: Epoch, range: KeyRange, from source: PeerAddress, into fresh: StoredShard, as receiver: DataNodeID,
    over transport: PeerTransport
) async throws -> SnapshotPosition {
    var chunk: UInt64 = 0
    while true {
        let response = try await transport.request(
            DataRequest.snapshotChunk(shard: shard, epoch: epoch, learner: receiver, chunk: chunk), to: source,
            timeout: .seconds(30), expecting: DataResponse.self)
        guard case .snapshotChunk(let entries, let position, let done) = response else {
            throw KeelError(.shardUnavailable, "the copy's source answered \(response)")
        }
        try fresh.importChunk(ShardChunk(entries: entries.map { ShardChunk.Entry(key: $0.key, version: $0.version, storedValue: $0.storedValue) }))
        if done, let position {
            try fresh.finishImport(ShardSnapshotInfo(
                range: range, position: ReplicationPosition(index: LogIndex(position.lsn.rawValue), term: position.epoch.rawValue),
                nextVersion: position.nextVersion))
            return position
        }
        chunk += 1
    }
}
