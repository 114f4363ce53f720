import KeelTypes
import Testing
@testable import KeelStorage

/// Export and import (catch-up, moves), splits, damaged files and full disks.
@Suite struct ShardTransferTests {
    /// A store with shard 1 over everything holding `count` keys "k0000"… with varied values.
    static func populated(_ dir: TemporaryDirectory, count: Int = 300) throws -> (ShardStore, StoredShard) {
        let store = try ShardStore(directory: dir.path, options: .init(codec: .init(compressionThresholdBytes: 64)))
        let shard = try store.createShard(ShardID(1), range: .all)
        var batch = WriteBatch()
        for n in 0..<count { batch.put(Self.numbered(n), Self.value(n)) }
        _ = try shard.apply(batch, records: 1...1, term: 4)
        return (store, shard)
    }

    static func numbered(_ n: Int) -> [UInt8] { Array(String(format: "k%04d", n).utf8) }
    static func value(_ n: Int) -> [UInt8] { n % 3 == 0 ? [UInt8](repeating: UInt8(n % 251), count: 900) : payload(n, extra: n % 50) }

    static func contents(_ shard: StoredShard) throws -> [StoreScanPage.Item] { try shard.scan(from: [], limit: 100_000, maxBytes: .max).items }

    @Test func exportedChunksRebuildTheShardElsewhere() throws {
        let source = TemporaryDirectory("export")
        let target = TemporaryDirectory("import")
        defer { source.remove(); target.remove() }
        let (store, shard) = try Self.populated(source)
        defer { store.close() }
        let export = try shard.export(maxChunkBytes: 1024)
        // Writes after the export started are not part of it.
        try shard.put(Self.numbered(5000), [1])
        #expect(export.info.position == ReplicationPosition(index: 1, term: 4))
        let destination = try ShardStore(directory: target.path)
        defer { destination.close() }
        let copy = try destination.createShard(ShardID(1), range: .all, importing: true)
        #expect(try copy.isImporting)
        var chunks = 0
        while let chunk = try export.nextChunk() {
            #expect(chunk.byteCount <= 1024 + 1000, "a chunk stops once it reaches the limit")
            try copy.importChunk(chunk)
            chunks += 1
        }
        #expect(chunks > 10)
        try copy.finishImport(export.info)
        #expect(try !copy.isImporting)
        #expect(try copy.appliedPosition == ReplicationPosition(index: 1, term: 4))
        var expected = try Self.contents(shard)
        expected.removeAll { $0.key == Self.numbered(5000) }
        #expect(try Self.contents(copy) == expected)
        #expect(try copy.statistics().keyCount == 300)
        #expect(try copy.statistics().storedBytes == shard.statistics().storedBytes - Self.numbered(5000).count - 11)
        // Versions continue above every imported version.
        #expect(try copy.put(Self.numbered(1), [9]) > expected.map(\.version).max()!)
    }

    @Test func exportsASubRange() throws {
        let dir = TemporaryDirectory("export")
        defer { dir.remove() }
        let (store, shard) = try Self.populated(dir, count: 50)
        defer { store.close() }
        let export = try shard.export(range: KeyRange(start: Self.numbered(10), end: Self.numbered(20)), maxChunkBytes: 1 << 20)
        let chunk = try #require(try export.nextChunk())
        #expect(chunk.entries.map(\.key) == (10..<20).map { Self.numbered($0) })
        #expect(try export.nextChunk() == nil)
    }

    @Test func importRefusesDamagedValuesAndForeignKeys() throws {
        let dir = TemporaryDirectory("import")
        defer { dir.remove() }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        let shard = try store.createShard(ShardID(2), range: KeyRange(start: key("a"), end: key("m")))
        var stored = try ValueCodec().encode([1, 2, 3])
        stored[stored.count - 1] ^= 1
        let damaged = ShardChunk(entries: [ShardChunk.Entry(key: key("b"), version: 3, storedValue: stored)])
        #expect((#expect(throws: StorageError.self) { try shard.importChunk(damaged) })?.code == .corruptValue)
        let foreign = ShardChunk(entries: [ShardChunk.Entry(key: key("x"), version: 3, storedValue: try ValueCodec().encode([1]))])
        #expect((#expect(throws: StorageError.self) { try shard.importChunk(foreign) })?.code == .keyOutOfRange)
        #expect(try shard.statistics().keyCount == 0)
    }

    @Test func splitDividesKeysRangesAndStatistics() throws {
        let dir = TemporaryDirectory("split")
        defer { dir.remove() }
        do {
            let (store, left) = try Self.populated(dir)
            let before = try Self.contents(left)
            let right = try store.split(ShardID(1), at: Self.numbered(120), into: ShardID(2))
            #expect(try left.range == KeyRange(start: [], end: Self.numbered(120)))
            #expect(try right.range == KeyRange(start: Self.numbered(120), end: nil))
            #expect(try Self.contents(left) + Self.contents(right) == before)
            #expect(try left.statistics().keyCount == 120 && right.statistics().keyCount == 180)
            #expect(try right.appliedPosition == left.appliedPosition)
            #expect((#expect(throws: StorageError.self) { try left.put(Self.numbered(200), [1]) })?.code == .keyOutOfRange)
            #expect(try right.put(Self.numbered(200), [1]) > before.map(\.version).max()!)
            #expect((#expect(throws: StorageError.self) { try store.split(ShardID(1), at: [], into: ShardID(3)) })?.code == .invalidArgument)
            #expect((#expect(throws: StorageError.self) { try store.split(ShardID(1), at: Self.numbered(5), into: ShardID(2)) })?.code == .shardExists)
            store.close()
        }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        #expect(store.shardIDs == [ShardID(1), ShardID(2)])
        #expect(store.recovery.completedSplits.isEmpty)
        #expect(try store.shard(ShardID(2)).get(Self.numbered(200))?.value == [1])
    }

    /// A crash after the right-hand file is published but before the parent gave up the
    /// range: opening the store completes the split; no key is in both shards.
    @Test func openingFinishesAnInterruptedSplit() throws {
        let dir = TemporaryDirectory("split")
        defer { dir.remove() }
        let before: [StoreScanPage.Item]
        do {
            let (store, left) = try Self.populated(dir)
            before = try Self.contents(left)
            let right = try store.split(ShardID(1), at: Self.numbered(77), into: ShardID(9), stopAfterPublishing: true)
            _ = right.detach()
            #expect(try left.statistics().keyCount == 300, "the parent still holds everything")
            store.close()
        }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        #expect(store.recovery.completedSplits == [ShardID(9)])
        let left = try store.shard(ShardID(1))
        let right = try store.shard(ShardID(9))
        #expect(try left.range.end == Self.numbered(77))
        #expect(try Self.contents(left) + Self.contents(right) == before)
        #expect(try left.statistics().keyCount + right.statistics().keyCount == 300)
    }

    @Test func damagedValueIsReportedNotReturned() throws {
        let dir = TemporaryDirectory("corrupt")
        defer { dir.remove() }
        let (store, shard) = try Self.populated(dir, count: 20)
        defer { store.close() }
        try shard.withDatabase { database throws(StorageError) in
            // Flip the last byte of one stored value behind the store's back.
            try database.connection.execute("UPDATE kv SET value = CAST(substr(value, 1, length(value) - 1) || x'FF' AS BLOB) WHERE key = CAST('k0007' AS BLOB)")
        }
        let error = #expect(throws: StorageError.self) { try shard.get(Self.numbered(7)) }
        #expect(error?.code == .corruptValue)
        #expect(error?.message.contains("k0007") == true)
        #expect(error?.path == store.path(for: ShardID(1)))
        #expect((#expect(throws: StorageError.self) { try shard.scan(from: [], limit: 100) })?.code == .corruptValue)
        let export = try shard.export()
        #expect((#expect(throws: StorageError.self) { try export.nextChunk() })?.code == .corruptValue)
        #expect(try shard.get(Self.numbered(8))?.value == Self.value(8))
    }

    @Test func damagedOrForeignFilesAreReported() throws {
        let dir = TemporaryDirectory("corrupt")
        defer { dir.remove() }
        let store = try ShardStore(directory: dir.path)
        let path = store.path(for: ShardID(3))
        store.close()
        RawFile.write(path, Array("this is not a database, just some text long enough".utf8) + [UInt8](repeating: 7, count: 5000))
        #expect((#expect(throws: StorageError.self) { try ShardStore(directory: dir.path) })?.code == .corruptStore)
        try FileSystem.remove(path)
        RawFile.write(dir.file("shard-00000000000000000003.sqlite.tmp"), [1, 2, 3])
        RawFile.write(dir.file("shard-00000000000000000004.sqlite-wal"), [1, 2, 3])
        let reopened = try ShardStore(directory: dir.path)
        defer { reopened.close() }
        #expect(reopened.recovery.removedFiles == ["shard-00000000000000000003.sqlite.tmp", "shard-00000000000000000004.sqlite-wal"])
        #expect(reopened.shardIDs.isEmpty)
    }

    /// SQLite's "database or disk is full" (here forced with max_page_count) is
    /// `disk_full`; the batch rolls back whole and the shard works once space is back.
    @Test func fullDiskFailsTheBatchAndKeepsTheShardUsable() throws {
        let dir = TemporaryDirectory("full")
        defer { dir.remove() }
        let (store, shard) = try Self.populated(dir, count: 10)
        defer { store.close() }
        let pages = try shard.withDatabase { database throws(StorageError) -> Int64 in
            let count = try database.connection.prepare("PRAGMA page_count")
            _ = try count.step()
            defer { count.reset() }
            return count.integer(0)
        }
        try shard.withDatabase { database throws(StorageError) in try database.connection.execute("PRAGMA max_page_count=\(pages)") }
        var random = SplitMix64(seed: 3)
        var batch = WriteBatch()
        for n in 0..<50 { batch.put(Self.numbered(1000 + n), random.bytes(2000)) }
        let error = #expect(throws: StorageError.self) { try shard.apply(batch, records: 2...2, term: 4) }
        #expect(error?.code == .diskFull)
        #expect(try shard.appliedPosition.index == 1)
        #expect(try shard.statistics().keyCount == 10)
        #expect(try shard.get(Self.numbered(1000)) == nil)
        try shard.withDatabase { database throws(StorageError) in try database.connection.execute("PRAGMA max_page_count=1000000") }
        #expect(try shard.apply(batch, records: 2...2, term: 4) != .alreadyApplied)
        #expect(try shard.statistics().keyCount == 60)
    }
}
