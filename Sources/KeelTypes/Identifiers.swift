/// Identifier of a shard: a contiguous key range with its own replica set.
///
/// Shard ids are assigned by the meta group and never reused, so an id names one
/// shard for the whole life of a cluster (a split creates new ids).
public struct ShardID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: ShardID, b: ShardID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "s\(rawValue)" }
}

/// Version of a shard's configuration (key range, primary, backups, learners).
///
/// Every change to a shard's configuration committed by the meta group increases its
/// epoch. Replicas reject messages carrying an older epoch: this is the fence that keeps a
/// deposed primary from writing.
public struct Epoch: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Epoch, b: Epoch) -> Bool { a.rawValue < b.rawValue }
    /// The epoch that follows this one.
    public var next: Epoch { Epoch(rawValue + 1) }
    public static let zero = Epoch(0)
    public var description: String { "e\(rawValue)" }
}

/// Name of a data node (`keel data --id NAME`). Chosen by the operator, unique in a cluster.
public struct DataNodeID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public static func < (a: DataNodeID, b: DataNodeID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
}
