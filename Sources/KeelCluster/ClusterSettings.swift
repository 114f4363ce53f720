import KeelTypes

/// How shards are replicated.
public enum ReplicationMode: String, Sendable, Codable, Hashable, CaseIterable {
    /// PacificA primary-backup: every write durable on every replica; the meta group arbitrates.
    case primaryBackup = "primary-backup"
    /// The baseline: every shard its own Raft group.
    case raft
}

/// Cluster-wide settings, replicated in the cluster map. Durations are milliseconds so
/// that the map's encoding is plain and exact.
public struct ClusterSettings: Sendable, Codable, Hashable {
    /// Copies of every shard, primary included.
    public var replicas: Int = 2
    public var replication: ReplicationMode = .primaryBackup
    /// Copies (primary included) that must hold a write before it is acknowledged; a
    /// configuration smaller than this refuses writes with `not_enough_replicas`.
    public var minInsync: Int = 1
    /// Whether the balancer moves replicas on its own.
    public var balancerEnabled: Bool = true
    /// How long a primary's lease lasts from the moment it sent the heartbeat that earned it.
    public var leaseMs: UInt64 = 3_000
    /// Bound on how much two members' clocks can diverge over one lease (docs/cluster.md).
    public var clockDriftBoundMs: UInt64 = 500
    /// Data nodes heartbeat this often.
    public var heartbeatIntervalMs: UInt64 = 500
    /// A node not heard from for this long is suspect; twice as long, down.
    public var suspectAfterMs: UInt64 = 2_000
    /// A shard that lost a replica waits this long for the node to come back before a
    /// replacement is placed elsewhere.
    public var replaceDownReplicaAfterMs: UInt64 = 10_000

    public init() {}

    public var lease: Duration { .milliseconds(Int64(leaseMs)) }
    public var clockDriftBound: Duration { .milliseconds(Int64(clockDriftBoundMs)) }
    public var suspectAfter: Duration { .milliseconds(Int64(suspectAfterMs)) }
    public var downAfter: Duration { .milliseconds(Int64(suspectAfterMs * 2)) }
    public var replaceDownReplicaAfter: Duration { .milliseconds(Int64(replaceDownReplicaAfterMs)) }

    /// Checks the settings make sense together; the reason names the offending field.
    public func validate() throws(ClusterError) {
        guard (1...7).contains(replicas) else { throw ClusterError(.invalidSettings, "replicas must be 1 to 7") }
        guard replication != .raft || replicas == 3 else {
            throw ClusterError(.invalidSettings, "the raft baseline runs exactly 3 replicas per shard")
        }
        guard (1...replicas + 1).contains(minInsync) else {
            throw ClusterError(.invalidSettings, "min-insync must be 1 to replicas+1 (\(replicas + 1) makes every write fail)")
        }
        guard heartbeatIntervalMs > 0, leaseMs >= 2 * heartbeatIntervalMs else {
            throw ClusterError(.invalidSettings, "the lease must last at least two heartbeat intervals")
        }
        guard suspectAfterMs >= heartbeatIntervalMs else {
            throw ClusterError(.invalidSettings, "suspect-after must be at least one heartbeat interval")
        }
    }
}
