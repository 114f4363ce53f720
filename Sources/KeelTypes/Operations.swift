/// A per-key version: 1 for a key's first write, increased by every later write.
///
/// Deleting a key removes it with its version, so a key written again after a delete
/// starts at version 1 again; `if_version=0` ("create only") succeeds exactly when the key
/// does not exist.
public struct KeyVersion: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: KeyVersion, b: KeyVersion) -> Bool { a.rawValue < b.rawValue }
    /// "The key does not exist", as an `if_version` condition.
    public static let absent = KeyVersion(0)
    public var next: KeyVersion { KeyVersion(rawValue + 1) }
    public var description: String { String(rawValue) }
}

/// A write's precondition.
public enum WriteCondition: Hashable, Sendable, Codable {
    /// Unconditional.
    case none
    /// Only if the key's current version is exactly this (`.absent`: only if it does not exist).
    case ifVersion(KeyVersion)
}

/// One write to one key, as clients submit it.
public enum Mutation: Hashable, Sendable, Codable {
    case put(key: [UInt8], value: [UInt8], condition: WriteCondition)
    case delete(key: [UInt8], condition: WriteCondition)

    public var key: [UInt8] {
        switch self {
        case .put(let key, _, _), .delete(let key, _): key
        }
    }

    public var isDelete: Bool {
        if case .delete = self { return true }
        return false
    }

    /// Bytes this mutation occupies in a batch (for batch and memory bounds).
    public var sizeBytes: Int {
        switch self {
        case .put(let key, let value, _): key.count + value.count + 16
        case .delete(let key, _): key.count + 16
        }
    }
}

/// The outcome of a successful write.
public struct WriteOutcome: Hashable, Sendable, Codable {
    public var shard: ShardID
    /// The key's version after the write; for a delete, the version that was deleted.
    public var version: KeyVersion
    public init(shard: ShardID, version: KeyVersion) {
        self.shard = shard
        self.version = version
    }
}

/// A stored value with its version and the shard that holds it.
public struct VersionedValue: Hashable, Sendable, Codable {
    public var value: [UInt8]
    public var version: KeyVersion
    public var shard: ShardID
    public init(value: [UInt8], version: KeyVersion, shard: ShardID) {
        self.value = value
        self.version = version
        self.shard = shard
    }
}

/// How fresh a read must be.
public enum ReadConsistency: String, Hashable, Sendable, Codable {
    /// Reflects every write acknowledged before the read began (served by the primary under its lease).
    case linearizable
    /// May be served by a backup and miss recent writes; never returns uncommitted data.
    case stale
}

/// One key-value pair of a scan.
public struct ScanItem: Hashable, Sendable, Codable {
    public var key: [UInt8]
    public var value: [UInt8]
    public var version: KeyVersion
    public init(key: [UInt8], value: [UInt8], version: KeyVersion) {
        self.key = key
        self.value = value
        self.version = version
    }
}
