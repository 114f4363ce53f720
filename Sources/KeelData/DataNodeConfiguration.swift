import KeelReplication
import KeelTypes
import Logging

/// How one `keel data` node runs.
public struct DataNodeConfiguration: Sendable {
    public var id: DataNodeID
    public var listen: HostPort
    /// The address other nodes and routers reach this node at (default: `listen`).
    public var advertise: HostPort
    public var meta: [HostPort]
    public var directory: String
    public var zone: String
    /// How often replicas get `tick`s (retransmissions, commit heartbeats, timeouts).
    public var tick: Duration = .milliseconds(50)
    /// Limits and timeouts of every replica.
    public var replica = ReplicaConfig()
    /// A replica this node no longer holds is deleted after this long (in case the
    /// configuration change is undone quickly).
    public var dropRetiredReplicasAfter: Duration = .seconds(30)
    /// Log records kept on disk beyond what every replica has applied (segments are deleted
    /// whole, so the log on disk is at most this plus one segment longer).
    public var retainedLogRecords: UInt64 = 1_000
    /// Bytes per chunk when a learner copies a store.
    public var snapshotChunkBytes = 1 << 20
    /// Raft baseline: a shard's Raft log is compacted every this many applied entries.
    public var raftCompactEvery: UInt64 = 10_000
    public var clusterID = "keel"
    public var logger = Logger(label: "keel.data")

    public init(id: DataNodeID, listen: HostPort, meta: [HostPort], directory: String, zone: String = "default") {
        self.id = id
        self.listen = listen
        self.advertise = listen
        self.meta = meta
        self.directory = directory
        self.zone = zone
    }
}
