import KeelTypes
import Testing
@testable import KeelStorage

func key(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct ShardStoreTests {
    @Test func putGetDeleteWithVersions() throws {
        let dir = TemporaryDirectory("store")
        defer { dir.remove() }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        let shard = try store.createShard(ShardID(1), range: .all)
        #expect(try shard.get(key("a")) == nil)
        let v1 = try shard.put(key("a"), [1, 2, 3])
        let v2 = try shard.put(key("b"), [])
        let v3 = try shard.put(key("a"), [4])
        #expect(v1 == 1 && v2 == 1 && v3 == 2, "versions count each key's writes")
        #expect(try shard.get(key("a")) == StoredValue(value: [4], version: v3))
        #expect(try shard.get(key("b")) == StoredValue(value: [], version: v2))
        let deleted = try #require(try shard.delete(key("a")))
        #expect(deleted == v3, "a delete reports the version it removed")
        #expect(try shard.delete(key("a")) == nil)
        #expect(try shard.get(key("a")) == nil)
        #expect(try shard.statistics().keyCount == 1)
    }

    @Test func compareAndSetChecksVersions() throws {
        let dir = TemporaryDirectory("store")
        defer { dir.remove() }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        let shard = try store.createShard(ShardID(1), range: .all)
        let created = try shard.compareAndSet(key("k"), expectedVersion: 0, value: [1])
        let duplicate = #expect(throws: StorageError.self) { try shard.compareAndSet(key("k"), expectedVersion: 0, value: [2]) }
        #expect(duplicate?.code == .versionMismatch)
        let updated = try shard.compareAndSet(key("k"), expectedVersion: created, value: [3])
        #expect((#expect(throws: StorageError.self) { try shard.compareAndSet(key("k"), expectedVersion: created, value: [4]) })?.code == .versionMismatch)
        #expect(try shard.get(key("k"))?.value == [3])
        _ = try shard.compareAndSet(key("k"), expectedVersion: updated, value: nil)
        #expect(try shard.get(key("k")) == nil)
        let outcomes = try shard.write(WriteBatch([
            .putIf(key: key("x"), value: [1], expectedVersion: 7),
            .deleteIf(key: key("x"), expectedVersion: 1),
            .putIf(key: key("x"), value: [1], expectedVersion: 0),
        ]))
        #expect(outcomes[0] == .versionMismatch(current: 0))
        #expect(outcomes[1] == .notFound)
        guard case .written = outcomes[2] else { Issue.record("a create-only put of an absent key writes"); return }
    }

    @Test func scansInBytewiseOrderWithLimitsAndContinuation() throws {
        let dir = TemporaryDirectory("store")
        defer { dir.remove() }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        let shard = try store.createShard(ShardID(1), range: KeyRange(start: [0x10], end: [0xF0]))
        let keys: [[UInt8]] = [[0x10], [0x10, 0x00], [0x20], [0x7F], [0x80], [0x80, 0xFF], [0xEF, 0xFF, 0xFF]]
        var random = SplitMix64(seed: 42)
        for (n, k) in keys.shuffled(using: &random).enumerated() { try shard.put(k, [UInt8(n)]) }
        #expect(try shard.scan(from: [], limit: 100).items.map(\.key) == keys)
        let page = try shard.scan(from: [0x11], to: [0x80, 0xFF], limit: 2)
        #expect(page.items.map(\.key) == [[0x20], [0x7F]])
        #expect(page.next == [0x80])
        let rest = try shard.scan(from: page.next!, to: [0x80, 0xFF], limit: 2)
        #expect(rest.items.map(\.key) == [[0x80]] && rest.next == nil)
        let bytesLimited = try shard.scan(from: [], limit: 100, maxBytes: 1)
        #expect(bytesLimited.items.count == 1 && bytesLimited.next == [0x10, 0x00])
        #expect(try shard.scan(from: [0x90], to: [0x30], limit: 5).items.isEmpty)
        #expect((#expect(throws: StorageError.self) { try shard.scan(from: [], limit: 0) })?.code == .invalidArgument)
    }

    @Test func refusesKeysOutsideTheRangeAndBadKeys() throws {
        let dir = TemporaryDirectory("store")
        defer { dir.remove() }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        let shard = try store.createShard(ShardID(1), range: KeyRange(start: key("m"), end: key("t")))
        #expect((#expect(throws: StorageError.self) { try shard.put(key("a"), [1]) })?.code == .keyOutOfRange)
        #expect((#expect(throws: StorageError.self) { try shard.get(key("t")) })?.code == .keyOutOfRange)
        #expect((#expect(throws: StorageError.self) { try shard.put([], [1]) })?.code == .invalidArgument)
        #expect((#expect(throws: StorageError.self) { try shard.put([UInt8](repeating: 0x6E, count: 1025), [1]) })?.code == .invalidArgument)
        let batch = WriteBatch([.put(key: key("n"), value: [1]), .put(key: key("z"), value: [2])])
        #expect((#expect(throws: StorageError.self) { try shard.write(batch) })?.code == .keyOutOfRange)
        #expect(try shard.get(key("n")) == nil, "a refused batch writes nothing")
    }

    @Test func appliesEachPositionExactlyOnce() throws {
        let dir = TemporaryDirectory("store")
        defer { dir.remove() }
        do {
            let store = try ShardStore(directory: dir.path)
            let shard = try store.createShard(ShardID(7), range: .all)
            var batch = WriteBatch()
            batch.put(key("a"), [1])
            batch.put(key("b"), [2])
            guard case .applied(let outcomes) = try shard.apply(batch, records: 1...3, term: 2) else {
                Issue.record("first application applies")
                return
            }
            #expect(outcomes.count == 2)
            #expect(try shard.apply(batch, records: 1...3, term: 2) == .alreadyApplied)
            #expect(try shard.apply(batch, records: 2...2, term: 2) == .alreadyApplied)
            #expect((#expect(throws: StorageError.self) { try shard.apply(batch, records: 3...5, term: 2) })?.code == .indexOutOfRange)
            #expect((#expect(throws: StorageError.self) { try shard.apply(batch, records: 5...5, term: 2) })?.code == .logGap)
            #expect(try shard.appliedPosition == ReplicationPosition(index: 3, term: 2))
            store.close()
        }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        let shard = try store.shard(ShardID(7))
        #expect(try shard.appliedPosition == ReplicationPosition(index: 3, term: 2))
        #expect(try shard.apply(WriteBatch([.delete(key: key("a"))]), records: 4...4, term: 3) == .applied([.deleted(version: 1)]))
        #expect(try shard.get(key("a")) == nil)
    }

    /// A batch that fails part-way (here: an oversized value after a good write) rolls back
    /// completely, position included.
    @Test func failedBatchChangesNothing() throws {
        let dir = TemporaryDirectory("store")
        defer { dir.remove() }
        let store = try ShardStore(directory: dir.path, options: .init(codec: .init(maxValueBytes: 100)))
        defer { store.close() }
        let shard = try store.createShard(ShardID(1), range: .all)
        try shard.put(key("keep"), [1])
        let batch = WriteBatch([.put(key: key("new"), value: [2]), .delete(key: key("keep")), .put(key: key("big"), value: [UInt8](repeating: 0, count: 101))])
        #expect((#expect(throws: StorageError.self) { try shard.apply(batch, records: 1...1, term: 1) })?.code == .tooLarge)
        #expect(try shard.get(key("new")) == nil)
        #expect(try shard.get(key("keep"))?.value == [1])
        #expect(try shard.appliedPosition == .start)
        #expect(try shard.statistics().keyCount == 1)
    }

    @Test func createDropAndReopen() throws {
        let dir = TemporaryDirectory("store")
        defer { dir.remove() }
        do {
            let store = try ShardStore(directory: dir.path)
            try store.createShard(ShardID(1), range: KeyRange(start: [], end: key("m"))).put(key("a"), [1])
            try store.createShard(ShardID(2), range: KeyRange(start: key("m"), end: nil)).put(key("z"), [2])
            #expect((#expect(throws: StorageError.self) { try store.createShard(ShardID(1), range: .all) })?.code == .shardExists)
            let doomed = try store.shard(ShardID(2))
            try store.dropShard(ShardID(2))
            #expect((#expect(throws: StorageError.self) { try doomed.get(key("z")) })?.code == .unknownShard)
            #expect((#expect(throws: StorageError.self) { try store.shard(ShardID(2)) })?.code == .unknownShard)
            #expect((#expect(throws: StorageError.self) { try ShardStore(directory: dir.path) })?.code == .locked)
            store.close()
        }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        #expect(store.shardIDs == [ShardID(1)])
        #expect(try store.shard(ShardID(1)).get(key("a"))?.value == [1])
        #expect(!FileSystem.exists(store.path(for: ShardID(2))))
    }

    @Test func compressesLargeValuesTransparently() throws {
        let dir = TemporaryDirectory("store")
        defer { dir.remove() }
        let store = try ShardStore(directory: dir.path)
        defer { store.close() }
        let shard = try store.createShard(ShardID(1), range: .all)
        let value = [UInt8](repeating: 0x61, count: 64 << 10)
        try shard.put(key("big"), value)
        #expect(try shard.get(key("big"))?.value == value)
        #expect(try shard.statistics().storedBytes < 2048)
    }
}
