import KeelRouter
import KeelTypes
import Synchronization

/// An in-memory `KeyValueService` with the store's semantics (versions, conditions, shards
/// split at fixed keys), so the HTTP layer's parsing and mapping are tested without a cluster.
final class ModelKeyValueService: KeyValueService {
    struct State {
        var entries: [[UInt8]: (value: [UInt8], version: KeyVersion)] = [:]
        var batches: [(shard: ShardID, count: Int)] = []
    }

    let state = Mutex(State())
    /// Shard boundaries: shard i owns [splits[i-1], splits[i]).
    let splits: [[UInt8]]
    let ready: Bool

    init(splits: [String] = ["g", "p"], ready: Bool = true) {
        self.splits = splits.map { Array($0.utf8) }
        self.ready = ready
    }

    func owner(_ key: [UInt8]) -> ShardID {
        ShardID(UInt64(splits.filter { !key.lexicographicallyPrecedes($0) }.count + 1))
    }

    func get(_ key: [UInt8], consistency: ReadConsistency) async throws(KeelError) -> VersionedValue? {
        state.withLock { state in
            state.entries[key].map { VersionedValue(value: $0.value, version: $0.version, shard: owner(key)) }
        }
    }

    func put(_ key: [UInt8], value: [UInt8], condition: WriteCondition) async throws(KeelError) -> WriteOutcome {
        try apply(.put(key: key, value: value, condition: condition)).get()
    }

    func delete(_ key: [UInt8], condition: WriteCondition) async throws(KeelError) -> WriteOutcome {
        try apply(.delete(key: key, condition: condition)).get()
    }

    func apply(_ mutation: Mutation) -> Result<WriteOutcome, KeelError> {
        state.withLock { state in
            let key = mutation.key
            let current = state.entries[key]?.version ?? .absent
            switch mutation {
            case .put(_, let value, let condition):
                if case .ifVersion(let expected) = condition, expected != current {
                    return .failure(KeelError(.versionMismatch, "version is \(current)"))
                }
                state.entries[key] = (value, current.next)
                return .success(WriteOutcome(shard: owner(key), version: current.next))
            case .delete(_, let condition):
                guard current != .absent else { return .failure(KeelError(.notFound, "no such key")) }
                if case .ifVersion(let expected) = condition, expected != current {
                    return .failure(KeelError(.versionMismatch, "version is \(current)"))
                }
                state.entries[key] = nil
                return .success(WriteOutcome(shard: owner(key), version: current))
            }
        }
    }

    func scan(_ range: KeyRange, limit: Int, consistency: ReadConsistency) async throws(KeelError) -> ScanPage {
        state.withLock { state in
            let keys = state.entries.keys.filter { range.contains($0) }.sorted { $0.lexicographicallyPrecedes($1) }
            let items = keys.prefix(limit).map { ScanItem(key: $0, value: state.entries[$0]!.value, version: state.entries[$0]!.version) }
            return ScanPage(items: Array(items), next: keys.count > limit ? keys[limit] : nil)
        }
    }

    func shard(for key: [UInt8]) async -> ShardID? { owner(key) }

    func write(batch: [Mutation], shard: ShardID) async -> [Result<WriteOutcome, KeelError>] {
        state.withLock { $0.batches.append((shard, batch.count)) }
        return batch.map { mutation in
            owner(mutation.key) == shard ? apply(mutation) : .failure(KeelError(.keyOutOfRange, "grouped for the wrong shard"))
        }
    }

    func shardMap() async -> ShardMapView {
        ShardMapView(
            version: 7,
            shards: [ShardDescriptor(id: ShardID(1), range: .all, epoch: Epoch(3), primary: "data-1", backups: ["data-2"])],
            nodes: ["data-1": HostPort(host: "127.0.0.1", port: 7101)])
    }

    func readiness() async -> Readiness { ready ? .ready : .notReady(reason: "no shard map yet") }
}
