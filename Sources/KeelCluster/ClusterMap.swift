import KeelTypes

/// The cluster map: the meta group's replicated state.
///
/// It changes only through `apply(_:)`, which is deterministic: every member applying the
/// same commands in the same order holds the same map, byte for byte (`encoded()`).
/// `version` counts committed changes; watchers resume from it.
public struct ClusterMap: Sendable, Codable, Hashable {
    /// Increased by every command that changed the map (rejected commands leave it).
    public private(set) var version: UInt64 = 0
    public private(set) var isBootstrapped = false
    public private(set) var settings = ClusterSettings()
    /// Data nodes by id.
    public private(set) var nodes: [DataNodeID: DataNodeRecord] = [:]
    /// Shards by id, retired ones excluded.
    public private(set) var shards: [ShardID: ShardDescriptor] = [:]
    /// The next shard id to hand out; ids are never reused.
    public private(set) var nextShardID: UInt64 = 1

    public init() {}

    /// Active shards in key order.
    public var shardsInKeyOrder: [ShardDescriptor] {
        shards.values.sorted { $0.range.start.lexicographicallyPrecedes($1.range.start) }
    }

    /// The shard owning `key`.
    public func shard(owning key: [UInt8]) -> ShardDescriptor? {
        shards.values.first { $0.range.contains(key) }
    }

    /// Shards with a replica (of any role) on `node`.
    public func shards(on node: DataNodeID) -> [ShardDescriptor] {
        shards.values.filter { $0.allReplicas.contains(node) }.sorted { $0.id < $1.id }
    }

    // MARK: Mutation (only through ClusterMap+Apply.swift)

    mutating func bumpVersion() { version += 1 }
    mutating func markBootstrapped(_ settings: ClusterSettings) {
        self.settings = settings
        isBootstrapped = true
    }
    mutating func setSettings(_ settings: ClusterSettings) { self.settings = settings }
    mutating func setNode(_ record: DataNodeRecord) { nodes[record.id] = record }
    mutating func setShard(_ shard: ShardDescriptor) { shards[shard.id] = shard }
    mutating func removeShard(_ id: ShardID) { shards[id] = nil }
    mutating func takeShardID() -> ShardID {
        defer { nextShardID += 1 }
        return ShardID(nextShardID)
    }
}
