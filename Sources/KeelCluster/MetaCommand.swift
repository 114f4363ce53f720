import KeelTypes

/// A change to the cluster map, proposed through the meta group's Raft log.
///
/// Commands that change a shard carry the epoch the proposer saw (`expectedEpoch`): if the
/// shard has moved on since, the command is rejected with `stale_epoch`. That makes
/// concurrent reconfigurations "first wins" (PacificA's rule for a primary and the meta
/// leader racing to change the same shard).
public enum MetaCommand: Sendable, Codable, Hashable {
    /// Creates the cluster: settings and `initialShards` shards pre-split over the key space.
    case bootstrap(settings: ClusterSettings, initialShards: Int)
    /// A data node joins (or rejoins with a new address or zone).
    case registerNode(id: DataNodeID, address: HostPort, zone: String)
    /// Health (from the leader's supervisor) or an operator's drain/undrain/remove.
    case setNodeState(id: DataNodeID, state: NodeState)
    /// First replicas of a shard that has none (a new cluster's shards).
    case placeShard(shard: ShardID, expectedEpoch: Epoch, primary: DataNodeID, backups: [DataNodeID])
    /// Failover: `newPrimary`, a backup of the current configuration, becomes primary; the
    /// old primary leaves the configuration.
    case failover(shard: ShardID, expectedEpoch: Epoch, newPrimary: DataNodeID)
    /// Graceful hand-over: the old primary stays as a backup.
    case transferPrimary(shard: ShardID, expectedEpoch: Epoch, to: DataNodeID)
    /// A primary restarted: it may have written in its epoch before it crashed, so it gets
    /// a new epoch with the same configuration before it writes again.
    case renewEpoch(shard: ShardID, expectedEpoch: Epoch, primary: DataNodeID)
    /// Removes a backup or learner (a failed backup, or the source of a finished move).
    case removeReplica(shard: ShardID, expectedEpoch: Epoch, node: DataNodeID)
    /// Adds a learner, which catches up before it counts.
    case addLearner(shard: ShardID, expectedEpoch: Epoch, node: DataNodeID)
    /// A caught-up learner becomes a backup.
    case promoteLearner(shard: ShardID, expectedEpoch: Epoch, node: DataNodeID)
    /// Splits a shard at `key` into the shard (now `[start, key)`) and a new shard
    /// `[key, end)` with the same replicas.
    case splitShard(shard: ShardID, expectedEpoch: Epoch, at: [UInt8])
    /// Merges `right` into its left neighbour `left`; both must have the same replicas.
    case mergeShards(left: ShardID, leftEpoch: Epoch, right: ShardID, rightEpoch: Epoch)
    case updateSettings(ClusterSettings)

    /// A short name for logs and metrics.
    public var name: String {
        switch self {
        case .bootstrap: "bootstrap"
        case .registerNode: "register_node"
        case .setNodeState: "set_node_state"
        case .placeShard: "place_shard"
        case .failover: "failover"
        case .transferPrimary: "transfer_primary"
        case .renewEpoch: "renew_epoch"
        case .removeReplica: "remove_replica"
        case .addLearner: "add_learner"
        case .promoteLearner: "promote_learner"
        case .splitShard: "split_shard"
        case .mergeShards: "merge_shards"
        case .updateSettings: "update_settings"
        }
    }
}

/// What one applied command changed, in the order watchers must apply it.
public enum ClusterChange: Sendable, Codable, Hashable {
    case settings(ClusterSettings)
    case node(DataNodeRecord)
    case shard(ShardDescriptor)
    /// A shard merged away: its range now belongs to its left neighbour.
    case shardRetired(ShardID)
}

/// The changes of one committed command, tagged with the map version they produced.
public struct VersionedChanges: Sendable, Codable, Hashable {
    public var version: UInt64
    public var changes: [ClusterChange]
    public init(version: UInt64, changes: [ClusterChange]) {
        self.version = version
        self.changes = changes
    }
}
