@_spi(Testing) import KeelReplication
import KeelTypes

/// What every simulated data node is configured with (from the run's options).
struct NodeSettings: Sendable {
    var replicaConfig: ReplicaConfig
    var tick: Duration
    var heartbeatInterval: Duration
    var flushDelay: Duration
    var trimEveryTicks: Int
    var maxPendingHeartbeats: Int
    var disk: DataPlaneDiskFaults
    #if DEBUG
    var replicaBugs: Set<ReplicaInjectedBug> = []
    #endif
}
