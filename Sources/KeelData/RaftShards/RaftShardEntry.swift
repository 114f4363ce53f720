import KeelDataProtocol
import KeelStorage
import KeelTypes
import KeelWire

/// The Raft baseline's log entry: the client writes of one proposal, conditions included.
/// A condition is decided when the entry is applied, by the store, identically on every
/// replica: no replica needs to know what the leader saw when it proposed.
enum RaftShardEntry {
    static func encode(_ mutations: [Mutation]) -> [UInt8] {
        var writer = WireWriter(reservingCapacity: mutations.reduce(16) { $0 + $1.key.count + 32 })
        writer.writeArray(mutations)
        return writer.bytes
    }

    static func decode(_ data: [UInt8]) throws(WireError) -> [Mutation] {
        var reader = WireReader(data[...])
        return try reader.readArray(of: Mutation.self, maxCount: DataWireBounds.maxBatch)
    }

    /// The store operation that carries out `mutation`, condition included.
    static func operation(_ mutation: Mutation) -> WriteBatch.Operation {
        switch mutation {
        case .put(let key, let value, .none): .put(key: key, value: value)
        case .put(let key, let value, .ifVersion(let expected)): .putIf(key: key, value: value, expectedVersion: expected.rawValue)
        case .delete(let key, .none): .delete(key: key)
        case .delete(let key, .ifVersion(let expected)): .deleteIf(key: key, expectedVersion: expected.rawValue)
        }
    }

    /// The client's answer for what the store did.
    static func result(_ outcome: StoreWriteOutcome, shard: ShardID) -> Result<WriteOutcome, KeelError> {
        switch outcome {
        case .written(let version), .deleted(let version): .success(WriteOutcome(shard: shard, version: KeyVersion(version)))
        case .notFound: .failure(KeelError(.notFound, "no such key"))
        case .versionMismatch(let current): .failure(KeelError(.versionMismatch, "the key's version is \(current), not the one expected"))
        }
    }
}
