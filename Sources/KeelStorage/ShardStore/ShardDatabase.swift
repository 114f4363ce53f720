import KeelTypes

/// One shard's SQLite file: its schema, durability settings, cached statements and the
/// shard's metadata row. Not thread-safe; `StoredShard` serializes all use.
///
/// Schema (format 1, `PRAGMA user_version = 1`):
///
/// ```sql
/// CREATE TABLE kv(key BLOB PRIMARY KEY, version INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
/// CREATE TABLE shard(singleton INTEGER PRIMARY KEY CHECK (singleton = 1), id INTEGER NOT NULL,
///     range_start BLOB NOT NULL, range_end BLOB, applied_index INTEGER NOT NULL,
///     applied_term INTEGER NOT NULL, next_version INTEGER NOT NULL, key_count INTEGER NOT NULL,
///     stored_bytes INTEGER NOT NULL, importing INTEGER NOT NULL, split_parent INTEGER, split_key BLOB);
/// ```
///
/// `kv` is clustered by key (WITHOUT ROWID), and SQLite compares BLOBs with memcmp, so
/// key order is bytewise order. Values are stored in `ValueCodec` format.
final class ShardDatabase {
    static let formatVersion = 1

    /// The shard's metadata row, mirrored in memory.
    struct Meta: Hashable {
        var id: ShardID
        var range: KeyRange
        var applied: ReplicationPosition
        var nextVersion: UInt64
        var keyCount: Int
        var storedBytes: Int
        var importing: Bool
        /// Set on a shard created by a split until the parent has given up the range.
        var splitParent: ShardID?
        var splitKey: [UInt8]?
    }

    let connection: SQLiteConnection
    var meta: Meta
    private var cache: [String: SQLiteStatement] = [:]

    var path: String { connection.path }

    private init(connection: SQLiteConnection, meta: Meta) {
        self.connection = connection
        self.meta = meta
    }

    deinit {
        cache = [:]
        connection.close()
    }

    /// Opens an existing shard file with the store's durability settings.
    static func open(path: String, options: ShardStore.Options) throws(StorageError) -> ShardDatabase {
        let connection = try SQLiteConnection(path: path)
        try configure(connection, options: options)
        let version = try connection.prepare("PRAGMA user_version")
        guard try version.step() else { throw StorageError(.corruptStore, "cannot read the format version", path: path) }
        let format = Int(version.integer(0))
        version.reset()
        guard format == formatVersion else {
            if format == 0 { throw StorageError(.corruptStore, "not a Keel shard file (no format version)", path: path) }
            throw StorageError(.unsupportedFormat, "shard file format \(format); this build reads format \(formatVersion)", path: path)
        }
        return ShardDatabase(connection: connection, meta: try readMeta(connection))
    }

    /// Writes a new shard file holding `meta` and no keys, in rollback-journal mode so that
    /// it is a single self-contained file (ready to be renamed) once this returns.
    static func create(path: String, meta: Meta) throws(StorageError) {
        let connection = try SQLiteConnection(path: path)
        defer { connection.close() }
        try connection.execute("""
            PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA fullfsync=ON;
            BEGIN;
            CREATE TABLE kv(key BLOB PRIMARY KEY, version INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
            CREATE TABLE shard(singleton INTEGER PRIMARY KEY CHECK (singleton = 1), id INTEGER NOT NULL,
                range_start BLOB NOT NULL, range_end BLOB, applied_index INTEGER NOT NULL,
                applied_term INTEGER NOT NULL, next_version INTEGER NOT NULL, key_count INTEGER NOT NULL,
                stored_bytes INTEGER NOT NULL, importing INTEGER NOT NULL, split_parent INTEGER, split_key BLOB);
            INSERT INTO shard(singleton, id, range_start, applied_index, applied_term, next_version,
                key_count, stored_bytes, importing) VALUES (1, 0, x'', 0, 0, 1, 0, 0, 0);
            PRAGMA user_version = \(formatVersion);
            """)
        try writeMeta(meta, schema: "main", on: connection)
        try connection.execute("COMMIT")
    }

    /// Durability: WAL with `synchronous=FULL` syncs the WAL at every commit, so a committed
    /// transaction is on disk (NORMAL would only sync at checkpoints: a commit could be
    /// lost, atomically, on power failure). `fullfsync` makes Apple platforms use
    /// F_FULLFSYNC (a no-op on Linux). See docs/storage.md.
    private static func configure(_ connection: SQLiteConnection, options: ShardStore.Options) throws(StorageError) {
        let synchronous = options.durability == .committed ? "FULL" : "NORMAL"
        try connection.execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=\(synchronous); PRAGMA fullfsync=ON; PRAGMA checkpoint_fullfsync=ON;
            PRAGMA cache_size=-\(options.cacheKiBPerShard); PRAGMA busy_timeout=5000; PRAGMA foreign_keys=OFF;
            """)
    }

    private static func readMeta(_ connection: SQLiteConnection) throws(StorageError) -> Meta {
        let row = try connection.prepare("""
            SELECT id, range_start, range_end, applied_index, applied_term, next_version, key_count, stored_bytes,
                   importing, split_parent, split_key FROM shard WHERE singleton = 1
            """)
        guard try row.step() else { throw StorageError(.corruptStore, "the shard metadata row is missing", path: connection.path) }
        defer { row.reset() }
        let start = row.blob(1)
        let end: [UInt8]? = row.isNull(2) ? nil : row.blob(2)
        guard end.map({ start.lexicographicallyPrecedes($0) }) ?? true else {
            throw StorageError(.corruptStore, "the shard's key range is inverted", path: connection.path)
        }
        return Meta(
            id: ShardID(UInt64(bitPattern: row.integer(0))),
            range: KeyRange(start: start, end: end),
            applied: ReplicationPosition(index: LogIndex(UInt64(bitPattern: row.integer(3))), term: UInt64(bitPattern: row.integer(4))),
            nextVersion: UInt64(bitPattern: row.integer(5)),
            keyCount: Int(row.integer(6)),
            storedBytes: Int(row.integer(7)),
            importing: row.integer(8) != 0,
            splitParent: row.isNull(9) ? nil : ShardID(UInt64(bitPattern: row.integer(9))),
            splitKey: row.isNull(10) ? nil : row.blob(10))
    }

    /// Stores `meta` in the metadata row of the database attached as `schema`.
    static func writeMeta(_ meta: Meta, schema: String, on connection: SQLiteConnection) throws(StorageError) {
        try bindMeta(meta, to: connection.prepare(updateMetaSQL(schema: schema))).run()
    }

    private static func updateMetaSQL(schema: String) -> String {
        """
        UPDATE \(schema).shard SET id = ?1, range_start = ?2, range_end = ?3, applied_index = ?4, applied_term = ?5,
            next_version = ?6, key_count = ?7, stored_bytes = ?8, importing = ?9, split_parent = ?10, split_key = ?11
        WHERE singleton = 1
        """
    }

    private static func bindMeta(_ meta: Meta, to statement: SQLiteStatement) -> SQLiteStatement {
        statement.bind(
            .unsigned(meta.id.rawValue), .blob(meta.range.start), .blob(meta.range.end), .unsigned(meta.applied.index.rawValue),
            .unsigned(meta.applied.term), .unsigned(meta.nextVersion), .integer(Int64(meta.keyCount)), .integer(Int64(meta.storedBytes)),
            .integer(meta.importing ? 1 : 0), meta.splitParent.map { .unsigned($0.rawValue) } ?? .null, .blob(meta.splitKey))
    }

    /// Stores `meta` in this database's metadata row (inside the caller's transaction).
    private func storeMeta(_ meta: Meta) throws(StorageError) {
        try Self.bindMeta(meta, to: statement(Self.updateMetaSQL(schema: "main"))).run()
    }

    /// A statement prepared once per connection and reused.
    func statement(_ sql: String) throws(StorageError) -> SQLiteStatement {
        if let cached = cache[sql] { return cached }
        let prepared = try connection.prepare(sql)
        cache[sql] = prepared
        return prepared
    }

    /// Runs `body` in one write transaction together with storing the metadata it leaves
    /// in `meta`; on any error rolls back and restores the metadata.
    func transaction<R>(_ body: (inout Meta) throws(StorageError) -> R) throws(StorageError) -> R {
        try statement("BEGIN IMMEDIATE").run()
        var updated = meta
        do {
            let result = try body(&updated)
            if updated != meta { try storeMeta(updated) }
            try statement("COMMIT").run()
            meta = updated
            return result
        } catch {
            try? statement("ROLLBACK").run()
            throw error
        }
    }
}
