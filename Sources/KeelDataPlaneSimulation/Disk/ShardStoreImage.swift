import KeelReplication
import KeelTypes

/// The applied key-value state of one shard replica: what a store (SQLite in production)
/// holds after applying committed records in LSN order.
struct ShardStoreImage: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var value: [UInt8]
        var version: KeyVersion
    }

    private(set) var entries: [[UInt8]: Entry] = [:]

    subscript(key: [UInt8]) -> Entry? { entries[key] }

    mutating func apply(_ record: ReplicationRecord) {
        for write in record.writes {
            switch write {
            case .put(let key, let value, let version): entries[key] = Entry(value: value, version: version)
            case .delete(let key): entries[key] = nil
            }
        }
    }
}
