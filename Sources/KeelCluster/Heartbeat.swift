import KeelTypes

/// A replica's role as its node reports it.
public enum ReplicaRole: String, Sendable, Codable, Hashable {
    case primary, backup, learner, inactive
}

/// One replica's state and load, carried in its node's heartbeat.
public struct ReplicaReport: Sendable, Codable, Hashable {
    public var shard: ShardID
    public var epoch: Epoch
    public var role: ReplicaRole
    /// Highest log position known committed / prepared (durable) on this replica.
    public var committed: UInt64
    public var prepared: UInt64
    public var keys: UInt64
    public var bytes: UInt64
    public var readsPerSecond: Double
    public var writesPerSecond: Double

    public init(
        shard: ShardID, epoch: Epoch, role: ReplicaRole, committed: UInt64 = 0, prepared: UInt64 = 0, keys: UInt64 = 0,
        bytes: UInt64 = 0, readsPerSecond: Double = 0, writesPerSecond: Double = 0
    ) {
        self.shard = shard
        self.epoch = epoch
        self.role = role
        self.committed = committed
        self.prepared = prepared
        self.keys = keys
        self.bytes = bytes
        self.readsPerSecond = readsPerSecond
        self.writesPerSecond = writesPerSecond
    }
}

/// A data node's periodic report to the meta leader. Kept in the leader's memory only.
public struct NodeHeartbeat: Sendable, Codable, Hashable {
    public var node: DataNodeID
    public var replicas: [ReplicaReport]
    public init(node: DataNodeID, replicas: [ReplicaReport]) {
        self.node = node
        self.replicas = replicas
    }
}

/// A primary lease: the node may serve shard `shard` as primary at `epoch` for `duration`
/// measured from the moment it *sent* the heartbeat this grant answers.
public struct LeaseGrant: Sendable, Codable, Hashable {
    public var shard: ShardID
    public var epoch: Epoch
    public var durationMs: UInt64
    public init(shard: ShardID, epoch: Epoch, durationMs: UInt64) {
        self.shard = shard
        self.epoch = epoch
        self.durationMs = durationMs
    }
}

/// The meta leader's answer to a heartbeat.
public struct HeartbeatReply: Sendable, Codable, Hashable {
    /// The map version the leader holds: a node behind it should fetch the changes.
    public var mapVersion: UInt64
    /// Leases granted or renewed by this reply.
    public var leases: [LeaseGrant]
    /// False when the node is not registered (it must register before anything else).
    public var registered: Bool
    public init(mapVersion: UInt64, leases: [LeaseGrant], registered: Bool) {
        self.mapVersion = mapVersion
        self.leases = leases
        self.registered = registered
    }
}
