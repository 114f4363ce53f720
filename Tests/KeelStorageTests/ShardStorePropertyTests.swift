import KeelTypes
import Testing
@testable import KeelStorage

/// Random batches of puts, deletes and conditional writes, gets, scans, replays and
/// reopens on one shard, checked operation by operation against an in-memory model.
@Suite struct ShardStorePropertyTests {
    /// The model: a sorted map from key to (value, version), the version counter and the
    /// applied position.
    struct Model {
        var entries: [[UInt8]: StoredValue] = [:]
        var nextVersion: UInt64 = 1
        var applied: LogIndex = .zero

        mutating func apply(_ operation: WriteBatch.Operation) -> StoreWriteOutcome {
            let current = entries[operation.key]
            switch operation {
            case .put(let key, let value):
                return write(key, value)
            case .putIf(let key, let value, let expected):
                guard (current?.version ?? 0) == expected else { return .versionMismatch(current: current?.version ?? 0) }
                return write(key, value)
            case .delete(let key):
                guard current != nil else { return .notFound }
                return remove(key)
            case .deleteIf(let key, let expected):
                guard let current else { return .notFound }
                guard current.version == expected else { return .versionMismatch(current: current.version) }
                return remove(key)
            }
        }

        private mutating func write(_ key: [UInt8], _ value: [UInt8]) -> StoreWriteOutcome {
            // Per-key versions: 1 for a new key, +1 per write.
            let version = (entries[key]?.version ?? 0) + 1
            entries[key] = StoredValue(value: value, version: version)
            nextVersion += 1
            return .written(version: version)
        }

        private mutating func remove(_ key: [UInt8]) -> StoreWriteOutcome {
            let version = entries[key]?.version ?? 0
            entries[key] = nil
            nextVersion += 1
            return .deleted(version: version)
        }

        func scan(from start: [UInt8], to end: [UInt8]?, limit: Int) -> [[UInt8]] {
            Array(entries.keys.filter { key in !key.lexicographicallyPrecedes(start) && (end.map { key.lexicographicallyPrecedes($0) } ?? true) }
                .sorted { $0.lexicographicallyPrecedes($1) }.prefix(limit))
        }
    }

    /// Keys from a small alphabet (so that operations collide) with bytes 0x00 and 0xFF,
    /// which exercise bytewise ordering.
    static func randomKey(_ random: inout SplitMix64) -> [UInt8] {
        let alphabet: [UInt8] = [0x00, 0x01, 0x41, 0x61, 0x7F, 0x80, 0xFF]
        return (0..<Int.random(in: 1...3, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
    }

    static func randomOperation(_ random: inout SplitMix64, model: Model) -> WriteBatch.Operation {
        let key = randomKey(&random)
        let value = random.bytes([0, 5, 700, 3000].randomElement(using: &random)!)
        let known = model.entries[key]?.version ?? 0
        let expected = Bool.random(using: &random) ? known : UInt64.random(in: 0...model.nextVersion, using: &random)
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<4: return .put(key: key, value: value)
        case 4..<6: return .delete(key: key)
        case 6..<8: return .putIf(key: key, value: value, expectedVersion: expected)
        default: return .deleteIf(key: key, expectedVersion: expected)
        }
    }

    @Test(arguments: 0..<10)
    func shardMatchesModel(seed: UInt64) throws {
        let dir = TemporaryDirectory("store-model")
        defer { dir.remove() }
        var random = SplitMix64(seed: seed)
        let options = ShardStore.Options(codec: .init(compressionThresholdBytes: 64))
        var store = try ShardStore(directory: dir.path, options: options)
        var shard = try store.createShard(ShardID(1), range: .all)
        var model = Model()
        var lastBatch = WriteBatch()
        for step in 0..<200 {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<45:
                let batch = WriteBatch((0..<Int.random(in: 1...6, using: &random)).map { _ in Self.randomOperation(&random, model: model) })
                let span = Int.random(in: 1...3, using: &random)
                let records = model.applied.next...model.applied.advanced(by: span)
                let result = try shard.apply(batch, records: records, term: seed)
                #expect(result == .applied(batch.operations.map { model.apply($0) }), "step \(step)")
                model.applied = records.upperBound
                lastBatch = batch
            case 45..<50:
                // A replay of the last position after a crash changes nothing.
                #expect(try shard.apply(lastBatch, records: model.applied...model.applied, term: seed) == .alreadyApplied)
            case 50..<65:
                let k = Self.randomKey(&random)
                #expect(try shard.get(k) == model.entries[k], "step \(step)")
            case 65..<85:
                let start = Self.randomKey(&random)
                let end: [UInt8]? = Bool.random(using: &random) ? nil : Self.randomKey(&random)
                let limit = Int.random(in: 1...10, using: &random)
                let page = try shard.scan(from: start, to: end, limit: limit)
                let expected = model.scan(from: start, to: end, limit: limit + 1)
                #expect(page.items.map(\.key) == Array(expected.prefix(limit)), "step \(step)")
                #expect(page.next == (expected.count > limit ? expected[limit] : nil))
                #expect(page.items.allSatisfy { model.entries[$0.key] == StoredValue(value: $0.value, version: $0.version) })
            case 85..<92:
                store.close()
                store = try ShardStore(directory: dir.path, options: options)
                shard = try store.shard(ShardID(1))
            default:
                let statistics = try shard.statistics()
                #expect(statistics.keyCount == model.entries.count)
                #expect(statistics.storedBytes >= model.entries.reduce(0) { $0 + $1.key.count })
            }
            #expect(try shard.appliedPosition.index == model.applied)
        }
        let everything = try shard.scan(from: [], limit: 10_000)
        #expect(everything.items.map(\.key) == model.scan(from: [], to: nil, limit: 10_000))
        store.close()
    }
}
