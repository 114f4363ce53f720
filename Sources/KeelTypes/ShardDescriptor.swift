/// Lifecycle of a shard in the cluster map.
public enum ShardState: String, Sendable, Codable, Hashable {
    /// Serving reads and writes.
    case active
    /// Being split or merged; writes continue, the range changes when the operation commits.
    case splitting, merging
    /// Retired by a merge; its range now belongs to another shard.
    case retired
}

/// One shard's configuration as of one epoch: its key range and the replicas that hold it.
///
/// This is what routers cache and what errors such as `not_primary` carry, so that a
/// client can re-route without asking the meta group. A descriptor with a higher epoch
/// always supersedes one with a lower epoch for the same shard.
public struct ShardDescriptor: Hashable, Sendable, Codable {
    public var id: ShardID
    public var range: KeyRange
    public var epoch: Epoch
    /// The replica that orders writes, or nil while the meta group is choosing one.
    public var primary: DataNodeID?
    /// Replicas in the configuration besides the primary; every write is durable on each.
    public var backups: [DataNodeID]
    /// Replicas catching up; they receive writes but are not counted for acknowledgement.
    public var learners: [DataNodeID]
    public var state: ShardState

    public init(
        id: ShardID, range: KeyRange, epoch: Epoch, primary: DataNodeID?,
        backups: [DataNodeID] = [], learners: [DataNodeID] = [], state: ShardState = .active
    ) {
        self.id = id
        self.range = range
        self.epoch = epoch
        self.primary = primary
        self.backups = backups
        self.learners = learners
        self.state = state
    }

    /// Primary and backups: the replicas a write must reach before it is acknowledged.
    public var configuration: [DataNodeID] { (primary.map { [$0] } ?? []) + backups }

    /// Every node that holds a copy, learners included.
    public var allReplicas: [DataNodeID] { configuration + learners }
}
