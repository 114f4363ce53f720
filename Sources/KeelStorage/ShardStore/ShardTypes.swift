import KeelTypes

/// How far a shard replica has applied its replication stream: the index of the last log
/// record applied and that record's term (Raft) or epoch (primary-backup), opaque here.
///
/// It is stored in the same transaction as the writes it covers, so after a crash the
/// replica resumes exactly after it: nothing applied twice, nothing skipped.
public struct ReplicationPosition: Hashable, Sendable, Codable, CustomStringConvertible {
    public var index: LogIndex
    public var term: UInt64

    public init(index: LogIndex, term: UInt64) {
        self.index = index
        self.term = term
    }

    /// Nothing applied yet.
    public static let start = ReplicationPosition(index: .zero, term: 0)
    public var description: String { "\(index)@\(term)" }
}

/// A key's value and the version of the write that stored it.
///
/// Versions are per key (docs/API.md): 1 on a key's first write, +1 on every later write.
/// They are identical on every replica that applies the same batches in the same order.
/// A deleted key that is written again starts at 1 again.
public struct StoredValue: Hashable, Sendable {
    public var value: [UInt8]
    public var version: UInt64

    public init(value: [UInt8], version: UInt64) {
        self.value = value
        self.version = version
    }
}

/// Writes applied to one shard in one transaction.
public struct WriteBatch: Hashable, Sendable {
    /// One write. A conditional write whose condition fails changes nothing and reports
    /// why; the rest of the batch still applies.
    public enum Operation: Hashable, Sendable {
        case put(key: [UInt8], value: [UInt8])
        case delete(key: [UInt8])
        /// Put only if the key's current version is `expectedVersion` (0: only if absent).
        case putIf(key: [UInt8], value: [UInt8], expectedVersion: UInt64)
        /// Delete only if the key's current version is `expectedVersion`.
        case deleteIf(key: [UInt8], expectedVersion: UInt64)

        var key: [UInt8] {
            switch self {
            case .put(let key, _), .delete(let key), .putIf(let key, _, _), .deleteIf(let key, _): key
            }
        }

        /// Key and value bytes, for batch limits.
        var byteCount: Int {
            switch self {
            case .put(let key, let value), .putIf(let key, let value, _): key.count + value.count
            case .delete(let key), .deleteIf(let key, _): key.count
            }
        }
    }

    public var operations: [Operation]

    public init(_ operations: [Operation] = []) { self.operations = operations }

    public mutating func put(_ key: [UInt8], _ value: [UInt8]) { operations.append(.put(key: key, value: value)) }
    public mutating func delete(_ key: [UInt8]) { operations.append(.delete(key: key)) }

    /// Key and value bytes in the batch.
    public var byteCount: Int { operations.reduce(0) { $0 + $1.byteCount } }
}

/// What one operation of a batch did.
public enum StoreWriteOutcome: Hashable, Sendable {
    /// The value was stored with this version.
    case written(version: UInt64)
    /// The key was deleted; the version it had.
    case deleted(version: UInt64)
    /// A delete found no key.
    case notFound
    /// A conditional write found another version (0: the key is absent).
    case versionMismatch(current: UInt64)
}

/// The result of applying a batch at a replication position.
public enum ApplyResult: Hashable, Sendable {
    /// The batch was applied; one outcome per operation, in order.
    case applied([StoreWriteOutcome])
    /// The position was already applied (a replay after a crash); nothing changed.
    case alreadyApplied
}

/// One page of a range scan.
public struct StoreScanPage: Hashable, Sendable {
    /// One key with its value and version.
    public struct Item: Hashable, Sendable {
        public var key: [UInt8]
        public var value: [UInt8]
        public var version: UInt64
    }

    /// Items in key order.
    public var items: [Item]
    /// Where to continue (the next key to scan from), or nil when the range is exhausted.
    public var next: [UInt8]?
}

/// Size figures of one shard, kept up to date transactionally (reading them is O(1)).
public struct ShardStatistics: Hashable, Sendable {
    /// Number of keys.
    public var keyCount: Int
    /// Bytes of keys plus stored (compressed, with header) values.
    public var storedBytes: Int
    /// Size of the shard's database file and its write-ahead log on disk.
    public var fileBytes: Int
}

/// A bounded piece of a shard's contents, in key order, for catch-up and moves. Values
/// are in stored form (compressed, checksummed), verified again on import.
public struct ShardChunk: Hashable, Sendable {
    /// One key with its version and its value in stored (codec) form.
    public struct Entry: Hashable, Sendable {
        public var key: [UInt8]
        public var version: UInt64
        public var storedValue: [UInt8]

        public init(key: [UInt8], version: UInt64, storedValue: [UInt8]) {
            self.key = key
            self.version = version
            self.storedValue = storedValue
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Key and stored value bytes in the chunk.
    public var byteCount: Int { entries.reduce(0) { $0 + $1.key.count + $1.storedValue.count } }
}

/// What a shard export was taken at: everything an importer needs besides the chunks.
public struct ShardSnapshotInfo: Hashable, Sendable {
    /// The exported key range (the shard's range, or a part of it).
    public var range: KeyRange
    /// The replication position the exported contents reflect.
    public var position: ReplicationPosition
    /// The shard's write counter at that position (every put and delete advances it).
    public var nextVersion: UInt64

    public init(range: KeyRange, position: ReplicationPosition, nextVersion: UInt64) {
        self.range = range
        self.position = position
        self.nextVersion = nextVersion
    }
}
