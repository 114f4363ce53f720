import KeelTypes

/// The shard replicas of one data node: one SQLite file per shard in one directory
/// (docs/decisions/0001-shard-store-layout.md says why).
///
/// Guarantees:
/// * A shard file appears under its final name only once it is complete (created under a
///   temporary name, synced, renamed, directory synced); dropping a shard removes its file
///   durably before anything else.
/// * A split is crash-safe: the new right-hand file records that it came from a split, and
///   opening the store finishes a split that a crash interrupted, so a key is never in
///   both halves or in neither.
/// * One process at a time may open the directory (`locked` otherwise).
public final class ShardStore: @unchecked Sendable {
    public let directory: String
    public let options: Options
    private let lock = Monitor()
    // Guarded by `lock`.
    private var shards: [ShardID: StoredShard] = [:]
    /// Ids of shards being created by a split in progress.
    private var reserved: Set<ShardID> = []
    private var directoryLock: DirectoryLock?

    /// What opening the store repaired.
    public struct RecoveryReport: Hashable, Sendable {
        /// Right-hand shards whose interrupted split was completed on open.
        public var completedSplits: [ShardID]
        /// Leftover temporary and orphaned files that were removed.
        public var removedFiles: [String]
    }

    public let recovery: RecoveryReport

    static let prefix = "shard-"
    static let suffix = ".sqlite"
    static let temporarySuffix = ".tmp"

    /// Opens (creating if needed) the store in `directory` and every shard file in it.
    public init(directory: String, options: Options = Options()) throws(StorageError) {
        self.directory = directory
        self.options = options
        try FileSystem.makeDirectory(directory)
        directoryLock = try DirectoryLock(directory: directory)
        let names = try FileSystem.list(directory)
        var removed: [String] = []
        for name in names where Self.isLeftover(name, among: names) {
            try FileSystem.remove(directory + "/" + name)
            removed.append(name)
        }
        var opened: [ShardID: StoredShard] = [:]
        for name in names {
            guard let id = Self.shardID(fromFileName: name) else { continue }
            let database = try ShardDatabase.open(path: directory + "/" + name, options: options)
            guard database.meta.id == id else {
                throw StorageError(.corruptStore, "file name says shard \(id), metadata says \(database.meta.id)", path: database.path)
            }
            opened[id] = StoredShard(database: database, options: options)
        }
        var completed: [ShardID] = []
        for shard in opened.values where try shard.withDatabase({ $0.meta.splitParent != nil }) {
            try Self.finishSplit(of: shard, among: opened)
            completed.append(shard.id)
        }
        shards = opened
        recovery = RecoveryReport(completedSplits: completed.sorted(), removedFiles: removed.sorted())
    }

    deinit { close() }

    /// Closes every shard and releases the directory.
    public func close() {
        let open = lock.withLock {
            let open = Array(shards.values)
            shards = [:]
            directoryLock = nil
            return open
        }
        for shard in open { _ = shard.detach() }
    }

    /// The shards in the store, in id order.
    public var shardIDs: [ShardID] { lock.withLock { shards.keys.sorted() } }

    /// The shard `id`, or `unknown_shard`.
    public func shard(_ id: ShardID) throws(StorageError) -> StoredShard {
        try lock.withLock { () throws(StorageError) in
            guard let shard = shards[id] else { throw StorageError(.unknownShard, "no shard \(id) in this store", path: directory) }
            return shard
        }
    }

    /// Creates an empty shard for `range`. With `importing`, the shard is marked as being
    /// filled by `StoredShard.importChunk` until `finishImport` (so that a crash part-way
    /// is visible in `isImporting`).
    @discardableResult
    public func createShard(_ id: ShardID, range: KeyRange, importing: Bool = false) throws(StorageError) -> StoredShard {
        try lock.withLock { () throws(StorageError) in
            guard shards[id] == nil, !reserved.contains(id) else { throw StorageError(.shardExists, "shard \(id) already exists", path: directory) }
            let meta = ShardDatabase.Meta(
                id: id, range: range, applied: .start, nextVersion: 1, keyCount: 0, storedBytes: 0,
                importing: importing, splitParent: nil, splitKey: nil)
            let shard = try installNewFile(for: id) { temporary throws(StorageError) in try ShardDatabase.create(path: temporary, meta: meta) }
            shards[id] = shard
            return shard
        }
    }

    /// Removes shard `id` and its file. Operations in flight on it finish first; later
    /// ones throw `unknown_shard`.
    public func dropShard(_ id: ShardID) throws(StorageError) {
        try lock.withLock { () throws(StorageError) in
            guard let shard = shards.removeValue(forKey: id) else {
                throw StorageError(.unknownShard, "no shard \(id) in this store", path: directory)
            }
            guard let path = shard.detach() else { return }
            try FileSystem.remove(path)
            try FileSystem.syncDirectory(directory)
            for suffix in ["-wal", "-shm"] { try FileSystem.remove(path + suffix) }
        }
    }

    /// Splits shard `id` at `key` (strictly inside its range): `id` keeps `[start, key)`,
    /// the new shard `newID` gets `[key, end)` with its keys, versions, write counter and
    /// replication position. Writes to `id` wait while the split runs (other shards do
    /// not); the cost is proportional to the data moved.
    @discardableResult
    public func split(_ id: ShardID, at key: [UInt8], into newID: ShardID) throws(StorageError) -> StoredShard {
        try split(id, at: key, into: newID, stopAfterPublishing: false)
    }

    /// `split`, optionally stopping right after the new file is published, as a crash at
    /// that point would (tests use it to check that opening the store finishes the split).
    func split(_ id: ShardID, at key: [UInt8], into newID: ShardID, stopAfterPublishing: Bool) throws(StorageError) -> StoredShard {
        // Only the parent is locked while rows move; the store's table just reserves `newID`.
        let left = try lock.withLock { () throws(StorageError) -> StoredShard in
            guard shards[newID] == nil, !reserved.contains(newID) else {
                throw StorageError(.shardExists, "shard \(newID) already exists", path: directory)
            }
            guard let left = shards[id] else { throw StorageError(.unknownShard, "no shard \(id) in this store", path: directory) }
            reserved.insert(newID)
            return left
        }
        defer { lock.withLock { _ = reserved.remove(newID) } }
        let right = try left.withDatabase { database throws(StorageError) -> StoredShard in
            guard let halves = database.meta.range.split(at: key) else {
                throw StorageError(.invalidArgument, "split key \(renderKey(key)) is not strictly inside \(database.meta.range)", path: database.path)
            }
            var meta = database.meta
            meta.id = newID
            meta.range = halves.right
            meta.splitParent = id
            meta.splitKey = key
            let right = try installNewFile(for: newID) { temporary throws(StorageError) in
                try ShardDatabase.create(path: temporary, meta: meta)
                try Self.copyRows(from: database, atOrAbove: key, into: temporary, meta: meta)
            }
            if stopAfterPublishing { return right }
            do throws(StorageError) {
                try Self.giveUpRange(of: database, from: key)
            } catch {
                // Undo: without the parent's half of the split the new file must go.
                if let path = right.detach() {
                    try? FileSystem.remove(path)
                    try? FileSystem.syncDirectory(directory)
                }
                throw error
            }
            return right
        }
        if stopAfterPublishing { return right }
        try right.withDatabase { database throws(StorageError) in try Self.clearSplitMarker(database) }
        lock.withLock { shards[newID] = right }
        return right
    }

    // MARK: Files

    func path(for id: ShardID) -> String {
        let digits = String(id.rawValue)
        return directory + "/" + Self.prefix + String(repeating: "0", count: 20 - digits.count) + digits + Self.suffix
    }

    static func shardID(fromFileName name: String) -> ShardID? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count == 20, digits.allSatisfy(\.isASCII), let value = UInt64(digits) else { return nil }
        return ShardID(value)
    }

    /// Temporary files, and WAL/shared-memory files whose database is gone.
    private static func isLeftover(_ name: String, among names: [String]) -> Bool {
        if name.contains(temporarySuffix) { return true }
        for companion in ["-wal", "-shm", "-journal"] where name.hasSuffix(companion) {
            return !names.contains(String(name.dropLast(companion.count)))
        }
        return false
    }

    /// Builds a shard file under a temporary name with `build`, then publishes it: rename,
    /// sync the directory, open.
    private func installNewFile(for id: ShardID, _ build: (String) throws(StorageError) -> Void) throws(StorageError) -> StoredShard {
        let final = path(for: id)
        let temporary = final + Self.temporarySuffix
        try FileSystem.remove(temporary)
        do throws(StorageError) {
            try build(temporary)
            try FileSystem.rename(temporary, to: final)
        } catch {
            try? FileSystem.remove(temporary)
            try? FileSystem.remove(temporary + "-journal")
            throw error
        }
        try FileSystem.syncDirectory(directory)
        return StoredShard(database: try ShardDatabase.open(path: final, options: options), options: options)
    }

    // MARK: Split steps

    /// Copies the rows at or above `key` (within the parent's range) into the new file, and
    /// sets its statistics, in one transaction of that file.
    private static func copyRows(from parent: ShardDatabase, atOrAbove key: [UInt8], into path: String, meta: ShardDatabase.Meta) throws(StorageError) {
        let connection = parent.connection
        try connection.prepare("ATTACH DATABASE ?1 AS split").bind(.blob(Array(path.utf8))).run()
        defer { try? connection.execute("DETACH DATABASE split") }
        try connection.execute("PRAGMA split.synchronous=FULL; BEGIN IMMEDIATE")
        do throws(StorageError) {
            try connection.prepare("INSERT INTO split.kv SELECT key, version, value FROM main.kv WHERE key >= ?1").bind(.blob(key)).run()
            let totals = try connection.prepare("SELECT count(*), coalesce(sum(length(key) + length(value)), 0) FROM split.kv")
            _ = try totals.step()
            var copied = meta
            copied.keyCount = Int(totals.integer(0))
            copied.storedBytes = Int(totals.integer(1))
            totals.reset()
            try ShardDatabase.writeMeta(copied, schema: "split", on: connection)
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Deletes the parent's rows at or above `key` and shrinks its range, in one transaction.
    private static func giveUpRange(of parent: ShardDatabase, from key: [UInt8]) throws(StorageError) {
        try parent.transaction { meta throws(StorageError) in
            try parent.statement("DELETE FROM kv WHERE key >= ?1").bind(.blob(key)).run()
            let totals = try parent.statement("SELECT count(*), coalesce(sum(length(key) + length(value)), 0) FROM kv")
            _ = try totals.step()
            meta.keyCount = Int(totals.integer(0))
            meta.storedBytes = Int(totals.integer(1))
            totals.reset()
            meta.range = KeyRange(start: meta.range.start, end: key)
        }
    }

    private static func clearSplitMarker(_ database: ShardDatabase) throws(StorageError) {
        try database.transaction { meta in
            meta.splitParent = nil
            meta.splitKey = nil
        }
    }

    /// Completes a split interrupted after the right-hand file was published: the parent
    /// gives up the range if it still holds it, then the marker is cleared.
    private static func finishSplit(of right: StoredShard, among shards: [ShardID: StoredShard]) throws(StorageError) {
        let (parentID, key) = try right.withDatabase { ($0.meta.splitParent!, $0.meta.splitKey ?? []) }
        if let parent = shards[parentID] {
            try parent.withDatabase { database throws(StorageError) in
                if database.meta.range.contains(key) { try giveUpRange(of: database, from: key) }
            }
        }
        try right.withDatabase { database throws(StorageError) in try clearSplitMarker(database) }
    }
}
