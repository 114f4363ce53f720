import KeelTypes

/// Log sequence number of a shard's replication log: 1 for the first record, contiguous.
public struct LSN: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: LSN, b: LSN) -> Bool { a.rawValue < b.rawValue }
    public static let zero = LSN(0)
    public var next: LSN { LSN(rawValue + 1) }
    public var previous: LSN { LSN(rawValue == 0 ? 0 : rawValue - 1) }
    public var description: String { "lsn\(rawValue)" }
}

/// A write as it is replicated: already decided by the primary (condition checked,
/// version assigned), so every replica applies it the same way.
public enum ReplicatedWrite: Hashable, Sendable, Codable {
    case put(key: [UInt8], value: [UInt8], version: KeyVersion)
    case delete(key: [UInt8])

    public var key: [UInt8] {
        switch self {
        case .put(let key, _, _), .delete(let key): key
        }
    }

    var sizeBytes: Int {
        switch self {
        case .put(let key, let value, _): key.count + value.count + 16
        case .delete(let key): key.count + 8
        }
    }
}

/// One record of the replication log: a group-committed batch of writes, created by the
/// primary of `epoch` at position `lsn`.
public struct ReplicationRecord: Hashable, Sendable, Codable {
    public var lsn: LSN
    public var epoch: Epoch
    public var writes: [ReplicatedWrite]

    public init(lsn: LSN, epoch: Epoch, writes: [ReplicatedWrite]) {
        self.lsn = lsn
        self.epoch = epoch
        self.writes = writes
    }

    public var sizeBytes: Int { writes.reduce(24) { $0 + $1.sizeBytes } }
}

/// A client's write as the shell hands it to the primary: the mutation, an id to answer
/// it by, and the key's version in the store (`.absent` if the key is not there).
public struct ClientWrite: Hashable, Sendable {
    public var requestID: UInt64
    public var mutation: Mutation
    public var storedVersion: KeyVersion

    public init(requestID: UInt64, mutation: Mutation, storedVersion: KeyVersion) {
        self.requestID = requestID
        self.mutation = mutation
        self.storedVersion = storedVersion
    }
}
