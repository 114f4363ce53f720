import KeelTypes

/// A read-only copy of the cluster map kept by a watcher (a data node or a router),
/// advanced with the change feed.
///
/// Changes must arrive in version order; a gap means the watcher missed something and
/// must take the whole map again (`apply` reports it).
public struct ClusterView: Sendable, Equatable {
    public private(set) var version: UInt64 = 0
    public private(set) var settings = ClusterSettings()
    public private(set) var nodes: [DataNodeID: DataNodeRecord] = [:]
    public private(set) var shards: [ShardID: ShardDescriptor] = [:]
    /// Shards in key order, kept sorted for routing.
    public private(set) var shardsInKeyOrder: [ShardDescriptor] = []

    public init() {}

    public init(_ map: ClusterMap) {
        version = map.version
        settings = map.settings
        nodes = map.nodes
        shards = map.shards
        sortShards()
    }

    /// Applies changes after `version`; returns false (and changes nothing) on a gap.
    @discardableResult
    public mutating func apply(_ batches: [VersionedChanges]) -> Bool {
        var copy = self
        for batch in batches where batch.version > copy.version {
            guard batch.version == copy.version + 1 else { return false }
            for change in batch.changes {
                switch change {
                case .settings(let settings): copy.settings = settings
                case .node(let node): copy.nodes[node.id] = node
                case .shard(let shard): copy.shards[shard.id] = shard
                case .shardRetired(let id): copy.shards[id] = nil
                }
            }
            copy.version = batch.version
        }
        copy.sortShards()
        self = copy
        return true
    }

    /// The shard whose range holds `key`, by binary search over the sorted ranges.
    public func shard(owning key: [UInt8]) -> ShardDescriptor? {
        var low = 0
        var high = shardsInKeyOrder.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let candidate = shardsInKeyOrder[middle]
            if key.lexicographicallyPrecedes(candidate.range.start) {
                high = middle - 1
            } else if let end = candidate.range.end, !key.lexicographicallyPrecedes(end) {
                low = middle + 1
            } else {
                return candidate
            }
        }
        return nil
    }

    /// Replaces one shard's descriptor with a newer one learned from an error's view.
    public mutating func learn(_ descriptor: ShardDescriptor) {
        guard descriptor.epoch > (shards[descriptor.id]?.epoch ?? .zero) else { return }
        shards[descriptor.id] = descriptor
        sortShards()
    }

    private mutating func sortShards() {
        shardsInKeyOrder = shards.values.sorted { $0.range.start.lexicographicallyPrecedes($1.range.start) }
    }
}
