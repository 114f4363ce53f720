@_spi(Testing) import KeelReplication
import KeelCluster
import KeelTypes

/// Everything that shapes a simulation run besides its seed. The seed then draws the
/// topology (within the ranges given here), the fault schedule and every delay.
///
/// Timings are production's scaled down about six times (lease 600 ms instead of 3 s), so a
/// few simulated seconds see several failovers; the ratios between them are kept.
public struct DataPlaneSimulationOptions: Sendable {
    // MARK: Topology (drawn per seed)
    public var dataNodes: ClosedRange<Int> = 3...4
    public var shards: ClosedRange<Int> = 1...2
    /// Copies per shard, clamped to the number of data nodes.
    public var replicas: ClosedRange<Int> = 2...3
    public var clients = 3
    /// Keys the clients use; the `é…` ones start with byte 0xC3 and so live in the second
    /// shard when there are two.
    public var keys: [String] = ["a", "b", "c", "é1", "é2", "é3"]

    // MARK: Phases (simulated real time)
    /// Clients work and the nemesis strikes for this long…
    public var faultPhase: Duration = .milliseconds(3_000)
    /// …then every fault is healed and the cluster gets this long to recover before the
    /// final checks.
    public var settlePhase: Duration = .milliseconds(2_500)

    // MARK: The system under test
    public var settings: ClusterSettings = DataPlaneSimulationOptions.simulationSettings
    public var replicaConfig: ReplicaConfig = DataPlaneSimulationOptions.simulationReplicaConfig
    /// How often nodes tick their replicas and the meta leader ticks its supervisor (local time).
    public var nodeTick: Duration = .milliseconds(20)
    public var metaTick: Duration = .milliseconds(50)
    /// How long a node collects client writes before it seals them into a record (group commit).
    public var flushDelay: Duration = .microseconds(500)
    /// A node trims its replication logs every this many ticks.
    public var trimEveryTicks = 10
    /// Unanswered heartbeats a node remembers (older replies are ignored).
    public var maxPendingHeartbeats = 32
    /// The supervisor's re-proposal delay (production: 5 s).
    public var proposalTimeout: Duration = .seconds(1)

    // MARK: Clients
    /// Pause between a client's operations.
    public var thinkTimeMicroseconds: ClosedRange<UInt64> = 2_000...30_000
    /// A client gives up on an attempt after this long (a write then counts as maybe applied).
    public var attemptTimeout: Duration = .milliseconds(400)
    /// Attempts per operation after definite "not applied" errors (routing, overload).
    public var maxAttempts = 8
    public var retryBackoffMicroseconds: ClosedRange<UInt64> = 5_000...40_000

    // MARK: Faults
    public var network = DataPlaneNetworkFaults()
    public var disk = DataPlaneDiskFaults()
    public var nemesis = NemesisOptions()

    // MARK: Test-only variants
    public var supervisorVariant: SupervisorVariant = .standard
    /// Clocks may drift this many times the bound `settings.clockDriftBound` allows (1: at the bound).
    public var driftFactor: Double = 1
    #if DEBUG
    /// Deliberate bugs switched on in every `ShardReplica`.
    @_spi(Testing) public var replicaBugs: Set<ReplicaInjectedBug> = []
    #endif

    // MARK: Bounds and diagnostics
    /// A run stops (and reports) after this many events: a bound on every run.
    public var maxEvents = 60_000
    /// Capacity of the event queue.
    public var maxQueuedEvents = 100_000
    /// Keep the last this many trace lines (0: no trace, the fast default).
    public var traceLines = 0

    public init() {}

    /// Cluster settings of the simulation profile: production's ratios, six times faster.
    public static var simulationSettings: ClusterSettings {
        var settings = ClusterSettings()
        settings.leaseMs = 600
        settings.clockDriftBoundMs = 100
        settings.heartbeatIntervalMs = 100
        settings.suspectAfterMs = 300
        settings.replaceDownReplicaAfterMs = 1_500
        return settings
    }

    /// Replica limits of the simulation profile: small batches and messages so that
    /// batching, chunking and back-pressure paths run, and timings matching the settings.
    public static var simulationReplicaConfig: ReplicaConfig {
        var config = ReplicaConfig()
        config.maxBatchWrites = 4
        config.maxBatchBytes = 256
        config.maxUncommittedBytes = 2_048
        config.maxRecordsPerMessage = 3
        config.backupTimeout = .milliseconds(300)
        config.leaseSafetyMargin = .milliseconds(50)
        config.commitHeartbeat = .milliseconds(40)
        return config
    }

    /// The largest clock rate deviation (parts per million) that keeps any two clocks within
    /// `clockDriftBound` of each other over one lease plus the bound itself, times `driftFactor`.
    var maxDriftPPM: Int64 {
        let bound = Double(settings.clockDriftBoundMs)
        let window = Double(settings.leaseMs) + bound
        return Int64((bound / (2 * window) * 1_000_000 * driftFactor).rounded(.down))
    }
}

/// Message-level network faults.
public struct DataPlaneNetworkFaults: Sendable {
    public var lossProbability = 0.02
    public var duplicationProbability = 0.02
    /// Usual one-way delay; random delays reorder messages.
    public var delayMicroseconds: ClosedRange<UInt64> = 100...3_000
    /// A few messages are held up much longer (a retransmission, a stalled connection).
    public var longDelayProbability = 0.01
    public var longDelayMicroseconds: ClosedRange<UInt64> = 20_000...300_000
    public init() {}
}

/// Disk latencies and crash behaviour.
public struct DataPlaneDiskFaults: Sendable {
    /// Time an fsync takes on a healthy disk…
    public var syncMicroseconds: ClosedRange<UInt64> = 200...2_000
    /// …and on a slow one.
    public var slowSyncMicroseconds: ClosedRange<UInt64> = 30_000...250_000
    /// On a crash, the chance that some writes not yet fsync'd reached the disk anyway (a
    /// random prefix of them survives); otherwise all of them are lost.
    public var partialSurvivalProbability = 0.3
    public init() {}
}

/// What the nemesis does during the fault phase.
public struct NemesisOptions: Sendable {
    /// Whether random faults strike at all (scenario tests turn them off and use `script`).
    public var isEnabled = true
    /// Faults at fixed times, in addition to (or instead of) the random ones.
    public var script: [ScriptedFault] = []
    /// Time between two fault actions.
    public var intervalMicroseconds: ClosedRange<UInt64> = 150_000...500_000
    /// How long a crashed node stays down.
    public var downtimeMicroseconds: ClosedRange<UInt64> = 30_000...1_200_000
    /// How long a partition or a slow disk lasts.
    public var durationMicroseconds: ClosedRange<UInt64> = 200_000...1_500_000
    /// Relative weights of the actions.
    public var crashWeight = 3
    public var partitionWeight = 4
    public var slowDiskWeight = 2
    public var clockWeight = 1
    public var metaLeaderChangeWeight = 1
    /// After a failover, the chance that the new primary or one of its backups crashes
    /// within `reconciliationCrashDelayMicroseconds` (a crash during reconciliation).
    public var crashDuringReconciliationProbability = 0.35
    public var reconciliationCrashDelayMicroseconds: ClosedRange<UInt64> = 0...4_000
    public init() {}
}

/// Which meta leader runs. Anything but `.standard` is a deliberately broken variant for
/// tests that show the checks catch it.
public enum SupervisorVariant: String, Sendable, CaseIterable {
    /// `MetaSupervisor` as it is.
    case standard
    /// Fails a silent primary over as soon as it is suspect, without waiting out its lease.
    case failoverWithoutLeaseWait = "failover_without_lease_wait"
}
