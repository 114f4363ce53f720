import KeelTypes

extension StoredShard {
    /// Starts exporting the keys of `range` (default: the whole shard) as a consistent
    /// snapshot: the chunks reflect exactly the position in `ShardExport.info`, whatever
    /// is written meanwhile. Memory stays bounded by `maxChunkBytes` per chunk.
    public func export(range requested: KeyRange? = nil, maxChunkBytes: Int = 1 << 20) throws(StorageError) -> ShardExport {
        guard maxChunkBytes > 0 else { throw StorageError(.invalidArgument, "maxChunkBytes must be positive") }
        let path = try withDatabase { $0.path }
        return try ShardExport(path: path, shard: id, requested: requested, maxChunkBytes: maxChunkBytes)
    }

    /// Stores the entries of one exported chunk (keys, versions and stored values as
    /// exported), in one transaction, after checking every key and value checksum.
    public func importChunk(_ chunk: ShardChunk) throws(StorageError) {
        try withDatabase { database throws(StorageError) in
            for entry in chunk.entries {
                try checkKey(entry.key, in: database.meta.range)
                do throws(StorageError) {
                    _ = try entry.storedValue.withStorageBytes { raw throws(StorageError) in try ValueCodec.verify(raw) }
                } catch {
                    throw StorageError(error.code, "\(error.message) (imported key \(renderKey(entry.key)))", path: database.path)
                }
            }
            try database.transaction { meta throws(StorageError) in
                let probe = try database.statement("SELECT length(key) + length(value) FROM kv WHERE key = ?1")
                for entry in chunk.entries {
                    probe.rebind()
                    probe.set(1, .blob(entry.key))
                    let previous: Int? = try probe.step() ? Int(probe.integer(0)) : nil
                    probe.reset()
                    try upsert(entry.key, version: entry.version, stored: entry.storedValue, in: database)
                    meta.keyCount += previous == nil ? 1 : 0
                    meta.storedBytes += entry.key.count + entry.storedValue.count - (previous ?? 0)
                    meta.nextVersion = max(meta.nextVersion, entry.version + 1)
                }
            }
        }
    }

    /// Ends an import: the shard takes the exported position and write counter and is no
    /// longer marked as importing.
    public func finishImport(_ info: ShardSnapshotInfo) throws(StorageError) {
        try withDatabase { database throws(StorageError) in
            try database.transaction { meta in
                meta.applied = info.position
                meta.nextVersion = max(meta.nextVersion, info.nextVersion)
                meta.importing = false
            }
        }
    }
}

/// A running export of a shard's keys: a read snapshot on its own connection, read one
/// bounded chunk at a time. Use it from one task at a time; `close()` (or the last
/// reference going away) releases the snapshot.
public final class ShardExport {
    /// The range, position and write counter the chunks reflect.
    public let info: ShardSnapshotInfo
    private let connection: SQLiteConnection
    private var rows: SQLiteStatement?
    private let maxChunkBytes: Int

    init(path: String, shard: ShardID, requested: KeyRange?, maxChunkBytes: Int) throws(StorageError) {
        self.maxChunkBytes = maxChunkBytes
        connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA busy_timeout=5000; BEGIN")
        // The first read fixes the snapshot: metadata and rows come from the same one.
        let metaRow = try connection.prepare("SELECT range_start, range_end, applied_index, applied_term, next_version FROM shard")
        guard try metaRow.step() else { throw StorageError(.corruptStore, "the shard metadata row is missing", path: path) }
        let shardRange = KeyRange(start: metaRow.blob(0), end: metaRow.isNull(1) ? nil : metaRow.blob(1))
        let position = ReplicationPosition(index: LogIndex(UInt64(bitPattern: metaRow.integer(2))), term: UInt64(bitPattern: metaRow.integer(3)))
        let nextVersion = UInt64(bitPattern: metaRow.integer(4))
        metaRow.reset()
        let requested = requested ?? shardRange
        let start = requested.start.lexicographicallyPrecedes(shardRange.start) ? shardRange.start : requested.start
        let end = StoredShard.minimumEnd(requested.end, shardRange.end)
        guard end.map({ start.lexicographicallyPrecedes($0) }) ?? true else {
            throw StorageError(.invalidArgument, "export range \(requested) does not overlap shard \(shard)'s range \(shardRange)", path: path)
        }
        info = ShardSnapshotInfo(range: KeyRange(start: start, end: end), position: position, nextVersion: nextVersion)
        let rows = try connection.prepare(end == nil
            ? "SELECT key, version, value FROM kv WHERE key >= ?1 ORDER BY key"
            : "SELECT key, version, value FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key")
        if let end { rows.bind(.blob(start), .blob(end)) } else { rows.bind(.blob(start)) }
        self.rows = rows
    }

    deinit { close() }

    /// The next chunk (at least one entry, at most `maxChunkBytes` of keys and values
    /// unless one entry alone is larger), or nil when the export is complete. Stored
    /// values are verified: a damaged one throws `corrupt_value` instead of travelling.
    public func nextChunk() throws(StorageError) -> ShardChunk? {
        guard let rows else { return nil }
        var entries: [ShardChunk.Entry] = []
        var bytes = 0
        while bytes < maxChunkBytes {
            guard try rows.step() else {
                close()
                break
            }
            let key = rows.blob(0)
            let stored = rows.bytes(2)
            do throws(StorageError) {
                _ = try ValueCodec.verify(stored)
            } catch {
                throw StorageError(error.code, "\(error.message) (exported key \(renderKey(key)))", path: connection.path)
            }
            entries.append(ShardChunk.Entry(key: key, version: UInt64(bitPattern: rows.integer(1)), storedValue: Array(stored)))
            bytes += key.count + stored.count
        }
        return entries.isEmpty ? nil : ShardChunk(entries: entries)
    }

    /// Ends the export and releases its snapshot.
    public func close() {
        guard rows != nil else { return }
        rows = nil
        try? connection.execute("COMMIT")
        connection.close()
    }
}
