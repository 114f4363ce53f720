import KeelTypes

/// What the HTTP API needs from the cluster.
///
/// `ClusterKeyValueService` is the real implementation (it routes every request to the
/// owning shard's primary); the HTTP layer depends only on this protocol, so its parsing,
/// limits and error mapping are tested in-process against a model of the store.
public protocol KeyValueService: Sendable {
    func get(_ key: [UInt8], consistency: ReadConsistency) async throws(KeelError) -> VersionedValue?
    func put(_ key: [UInt8], value: [UInt8], condition: WriteCondition) async throws(KeelError) -> WriteOutcome
    /// Deletes the key; throws `not_found` when it does not exist.
    func delete(_ key: [UInt8], condition: WriteCondition) async throws(KeelError) -> WriteOutcome
    /// Up to `limit` items of `range` in key order, walking shards in key order.
    func scan(_ range: KeyRange, limit: Int, consistency: ReadConsistency) async throws(KeelError) -> ScanPage
    /// The shard owning `key` in the current map, used to group bulk records per shard.
    func shard(for key: [UInt8]) async -> ShardID?
    /// Applies mutations grouped for one shard: one result per mutation, in order.
    /// Mutations whose shard has changed since grouping are re-routed, not failed.
    func write(batch: [Mutation], shard: ShardID) async -> [Result<WriteOutcome, KeelError>]
    /// The router's current view of the cluster.
    func shardMap() async -> ShardMapView
    /// Whether requests can be served now (a map is loaded and the meta group answers).
    func readiness() async -> Readiness
}

/// One page of a scan: items in key order and where the next page starts (nil: done).
public struct ScanPage: Sendable, Equatable {
    public var items: [ScanItem]
    public var next: [UInt8]?
    public init(items: [ScanItem], next: [UInt8]?) {
        self.items = items
        self.next = next
    }
}

/// The shard map as a router sees it (served at `GET /v1/shards`).
public struct ShardMapView: Sendable, Equatable {
    public var version: UInt64
    public var shards: [ShardDescriptor]
    /// Data node addresses by node id.
    public var nodes: [DataNodeID: HostPort]
    public init(version: UInt64, shards: [ShardDescriptor], nodes: [DataNodeID: HostPort]) {
        self.version = version
        self.shards = shards
        self.nodes = nodes
    }
}

/// Whether a router can serve, and if not why (shown by `/readyz`).
public enum Readiness: Sendable, Equatable {
    case ready
    case notReady(reason: String)
}
