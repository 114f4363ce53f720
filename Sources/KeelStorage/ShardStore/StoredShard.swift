import KeelTypes

/// One shard replica's data on this node: a key range of versioned values in its own
/// SQLite file, plus the replication position its contents reflect.
///
/// Guarantees:
/// * Every write method runs in one SQLite transaction that commits the writes, the
///   key versions, the statistics and (for `apply`) the replication position together;
///   with the default durability a method that returned is on disk.
/// * Keys are compared bytewise; keys outside the shard's range are refused
///   (`key_out_of_range`), values go through `ValueCodec` (compressed, checksummed), and a
///   damaged value is reported as `corrupt_value`, never returned.
/// * Methods are thread-safe and serialized per shard. They block the calling thread
///   (SQLite and `fsync`): call them from a dedicated thread or serial executor, not from
///   Swift's cooperative pool in a latency-sensitive path.
///
/// After `ShardStore.dropShard` every method throws `unknown_shard`.
public final class StoredShard: @unchecked Sendable {
    public let id: ShardID
    let options: ShardStore.Options
    let codec: ValueCodec
    private let lock = Monitor()
    // Guarded by `lock`.
    private var database: ShardDatabase?
    private var encoded: [UInt8] = []

    init(database: ShardDatabase, options: ShardStore.Options) {
        self.id = database.meta.id
        self.database = database
        self.options = options
        self.codec = ValueCodec(options.codec)
    }

    /// Runs `body` with the open database, holding the shard's lock.
    func withDatabase<R>(_ body: (ShardDatabase) throws(StorageError) -> R) throws(StorageError) -> R {
        try lock.withLock { () throws(StorageError) -> R in
            guard let database else { throw StorageError(.unknownShard, "shard \(id) was dropped from this store") }
            return try body(database)
        }
    }

    /// Closes the file; later calls throw `unknown_shard`. Returns the file's path.
    func detach() -> String? {
        lock.withLock {
            let path = database?.path
            database = nil
            return path
        }
    }

    // MARK: State

    /// The shard's key range.
    public var range: KeyRange { get throws(StorageError) { try withDatabase { $0.meta.range } } }

    /// The replication position the contents reflect.
    public var appliedPosition: ReplicationPosition { get throws(StorageError) { try withDatabase { $0.meta.applied } } }

    /// True from `ShardStore.createShard(…, importing: true)` until `finishImport`.
    public var isImporting: Bool { get throws(StorageError) { try withDatabase { $0.meta.importing } } }

    /// Key count, stored bytes (O(1), kept transactionally) and file size.
    public func statistics() throws(StorageError) -> ShardStatistics {
        try withDatabase { database in
            ShardStatistics(
                keyCount: database.meta.keyCount, storedBytes: database.meta.storedBytes,
                fileBytes: Int(FileSystem.size(database.path) + FileSystem.size(database.path + "-wal")))
        }
    }

    // MARK: Reading

    /// The value and version stored under `key`, or nil.
    public func get(_ key: [UInt8]) throws(StorageError) -> StoredValue? {
        try withDatabase { database throws(StorageError) in
            try checkKey(key, in: database.meta.range)
            let row = try database.statement("SELECT version, value FROM kv WHERE key = ?1")
            row.rebind()
            row.set(1, .blob(key))
            guard try row.step() else { return nil }
            defer { row.reset() }
            return StoredValue(value: try decode(row.bytes(1), key: key, path: database.path), version: UInt64(bitPattern: row.integer(0)))
        }
    }

    /// The stored version of each key (nil: absent), read in one transaction without
    /// touching the values: what a primary needs to decide a batch of writes.
    public func versions(of keys: [[UInt8]]) throws(StorageError) -> [UInt64?] {
        try withDatabase { database throws(StorageError) in
            try database.connection.execute("BEGIN")
            defer { try? database.connection.execute("COMMIT") }
            let row = try database.statement("SELECT version FROM kv WHERE key = ?1")
            var versions: [UInt64?] = []
            versions.reserveCapacity(keys.count)
            for key in keys {
                row.rebind()
                row.set(1, .blob(key))
                versions.append(try row.step() ? UInt64(bitPattern: row.integer(0)) : nil)
                row.reset()
            }
            return versions
        }
    }

    /// Up to `limit` items with keys in `[start, end)` ∩ the shard's range, in key order,
    /// stopping early (after at least one item) once `maxBytes` of keys and values are
    /// gathered. `next` says where to continue.
    public func scan(from start: [UInt8], to end: [UInt8]? = nil, limit: Int, maxBytes: Int = 4 << 20) throws(StorageError) -> StoreScanPage {
        guard limit > 0 else { throw StorageError(.invalidArgument, "scan limit must be positive, got \(limit)") }
        return try withDatabase { database throws(StorageError) in
            let range = database.meta.range
            let lower = start.lexicographicallyPrecedes(range.start) ? range.start : start
            let upper = Self.minimumEnd(end, range.end)
            if let upper, !lower.lexicographicallyPrecedes(upper) { return StoreScanPage(items: [], next: nil) }
            let rows = try database.statement(upper == nil
                ? "SELECT key, version, value FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?3"
                : "SELECT key, version, value FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT ?3")
            rows.rebind()
            rows.set(1, .blob(lower))
            if let upper { rows.set(2, .blob(upper)) }
            rows.set(3, .integer(Int64(min(limit, Int(Int32.max)) + 1)))
            defer { rows.reset() }
            var items: [StoreScanPage.Item] = []
            var bytes = 0
            while try rows.step() {
                let key = rows.blob(0)
                let stored = rows.bytes(2)
                if items.count == limit || (!items.isEmpty && bytes + key.count + stored.count > maxBytes) {
                    return StoreScanPage(items: items, next: key)
                }
                bytes += key.count + stored.count
                items.append(StoreScanPage.Item(key: key, value: try decode(stored, key: key, path: database.path), version: UInt64(bitPattern: rows.integer(1))))
            }
            return StoreScanPage(items: items, next: nil)
        }
    }

    static func minimumEnd(_ a: [UInt8]?, _ b: [UInt8]?) -> [UInt8]? {
        guard let a else { return b }
        guard let b else { return a }
        return a.lexicographicallyPrecedes(b) ? a : b
    }

    // MARK: Writing

    /// Applies the writes of log records `records` (their last one has `term`) in one
    /// transaction together with the new position `records.upperBound@term`.
    ///
    /// Returns `.alreadyApplied` without changing anything when `records` ends at or before
    /// the applied position (a replay after a crash). Throws `log_gap` if `records` starts
    /// after `appliedPosition.index + 1` and `index_out_of_range` if it overlaps the
    /// applied position partly: a replica never skips records or applies one twice.
    public func apply(_ batch: WriteBatch, records: ClosedRange<LogIndex>, term: UInt64) throws(StorageError) -> ApplyResult {
        try withDatabase { database throws(StorageError) in
            let applied = database.meta.applied.index
            if records.upperBound <= applied { return .alreadyApplied }
            guard records.lowerBound > applied else {
                throw StorageError(.indexOutOfRange, "records \(records) overlap the applied position \(applied)", path: database.path)
            }
            guard records.lowerBound == applied.next else {
                throw StorageError(.logGap, "records \(records) would skip \(applied.next)…\(records.lowerBound.advanced(by: -1))", path: database.path)
            }
            let outcomes = try write(batch, in: database) { meta in
                meta.applied = ReplicationPosition(index: records.upperBound, term: term)
            }
            return .applied(outcomes)
        }
    }

    /// Applies `batch` in one transaction without moving the replication position (for
    /// local use and tests; replicas use `apply`).
    @discardableResult
    public func write(_ batch: WriteBatch) throws(StorageError) -> [StoreWriteOutcome] {
        try withDatabase { database throws(StorageError) in try write(batch, in: database) { _ in } }
    }

    /// Stores `value` under `key`; returns the new version.
    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8]) throws(StorageError) -> UInt64 {
        guard case .written(let version) = try write(WriteBatch([.put(key: key, value: value)]))[0] else {
            preconditionFailure("an unconditional put always writes")
        }
        return version
    }

    /// Deletes `key`; returns the version the delete consumed, or nil if there was no key.
    @discardableResult
    public func delete(_ key: [UInt8]) throws(StorageError) -> UInt64? {
        guard case .deleted(let version) = try write(WriteBatch([.delete(key: key)]))[0] else { return nil }
        return version
    }

    /// Stores `value` (or deletes the key, for nil) only if the key's version is
    /// `expectedVersion` (0: only if the key is absent); throws `version_mismatch` otherwise.
    @discardableResult
    public func compareAndSet(_ key: [UInt8], expectedVersion: UInt64, value: [UInt8]?) throws(StorageError) -> UInt64 {
        let operation: WriteBatch.Operation = value.map { .putIf(key: key, value: $0, expectedVersion: expectedVersion) }
            ?? .deleteIf(key: key, expectedVersion: expectedVersion)
        switch try write(WriteBatch([operation]))[0] {
        case .written(let version), .deleted(let version): return version
        case .versionMismatch(let current):
            throw StorageError(.versionMismatch, "expected version \(expectedVersion), found \(current)")
        case .notFound:
            throw StorageError(.versionMismatch, "expected version \(expectedVersion), the key is absent")
        }
    }

    /// Validates, then runs every operation of `batch` and `finish` in one transaction.
    private func write(_ batch: WriteBatch, in database: ShardDatabase, finish: (inout ShardDatabase.Meta) -> Void) throws(StorageError) -> [StoreWriteOutcome] {
        guard batch.byteCount <= options.maxBatchBytes else {
            throw StorageError(.tooLarge, "batch of \(batch.byteCount) bytes exceeds the limit of \(options.maxBatchBytes) bytes", path: database.path)
        }
        for operation in batch.operations { try checkKey(operation.key, in: database.meta.range) }
        return try database.transaction { meta throws(StorageError) in
            var outcomes: [StoreWriteOutcome] = []
            outcomes.reserveCapacity(batch.operations.count)
            for operation in batch.operations { outcomes.append(try perform(operation, in: database, meta: &meta)) }
            finish(&meta)
            return outcomes
        }
    }

    private func perform(_ operation: WriteBatch.Operation, in database: ShardDatabase, meta: inout ShardDatabase.Meta) throws(StorageError) -> StoreWriteOutcome {
        let key = operation.key
        let current = try probe(key, in: database)
        switch operation {
        case .put(_, let value):
            return .written(version: try store(key, value, replacing: current, in: database, meta: &meta))
        case .putIf(_, let value, let expected):
            guard (current?.version ?? 0) == expected else { return .versionMismatch(current: current?.version ?? 0) }
            return .written(version: try store(key, value, replacing: current, in: database, meta: &meta))
        case .delete:
            guard let current else { return .notFound }
            return .deleted(version: try remove(key, current, in: database, meta: &meta))
        case .deleteIf(_, let expected):
            guard let current else { return .notFound }
            guard current.version == expected else { return .versionMismatch(current: current.version) }
            return .deleted(version: try remove(key, current, in: database, meta: &meta))
        }
    }

    /// The version and stored size (key + stored value) of `key`, if present.
    private func probe(_ key: [UInt8], in database: ShardDatabase) throws(StorageError) -> (version: UInt64, bytes: Int)? {
        let row = try database.statement("SELECT version, length(value) FROM kv WHERE key = ?1")
        row.rebind()
        row.set(1, .blob(key))
        guard try row.step() else { return nil }
        defer { row.reset() }
        return (UInt64(bitPattern: row.integer(0)), key.count + Int(row.integer(1)))
    }

    private func store(_ key: [UInt8], _ value: [UInt8], replacing current: (version: UInt64, bytes: Int)?, in database: ShardDatabase,
                       meta: inout ShardDatabase.Meta) throws(StorageError) -> UInt64 {
        try value.withStorageBytes { raw throws(StorageError) in try codec.encode(raw, into: &encoded) }
        // Per-key versions (docs/API.md): 1 for a new key, +1 for every write after that.
        let version = (current?.version ?? 0) + 1
        try upsert(key, version: version, stored: encoded, in: database)
        meta.nextVersion += 1
        meta.keyCount += current == nil ? 1 : 0
        meta.storedBytes += key.count + encoded.count - (current?.bytes ?? 0)
        return version
    }

    func upsert(_ key: [UInt8], version: UInt64, stored: [UInt8], in database: ShardDatabase) throws(StorageError) {
        let upsert = try database.statement(
            "INSERT INTO kv(key, version, value) VALUES (?1, ?2, ?3) ON CONFLICT(key) DO UPDATE SET version = excluded.version, value = excluded.value")
        upsert.rebind()
        upsert.set(1, .blob(key))
        upsert.set(2, .unsigned(version))
        upsert.set(3, .blob(stored))
        try upsert.run()
    }

    private func remove(_ key: [UInt8], _ current: (version: UInt64, bytes: Int), in database: ShardDatabase,
                        meta: inout ShardDatabase.Meta) throws(StorageError) -> UInt64 {
        let delete = try database.statement("DELETE FROM kv WHERE key = ?1")
        delete.rebind()
        delete.set(1, .blob(key))
        try delete.run()
        // A delete reports the version it removed; the key starts again at 1 if re-created.
        let version = current.version
        meta.nextVersion += 1
        meta.keyCount -= 1
        meta.storedBytes -= current.bytes
        return version
    }

    // MARK: Checks

    func checkKey(_ key: [UInt8], in range: KeyRange) throws(StorageError) {
        guard !key.isEmpty, key.count <= KeelLimits.maxKeyBytes else {
            throw StorageError(.invalidArgument, "keys are 1 to \(KeelLimits.maxKeyBytes) bytes, got \(key.count)")
        }
        guard range.contains(key) else {
            throw StorageError(.keyOutOfRange, "key \(renderKey(key)) is outside shard \(id)'s range \(range)")
        }
    }

    func decode(_ stored: UnsafeRawBufferPointer, key: [UInt8], path: String) throws(StorageError) -> [UInt8] {
        do {
            return try codec.decode(stored)
        } catch {
            throw StorageError(error.code, "\(error.message) (shard \(id), key \(renderKey(key)))", path: path)
        }
    }
}
