import KeelCluster

extension DataPlaneSimulationOptions {
    /// The slice of the options every data node takes.
    var nodeSettings: NodeSettings {
        var node = NodeSettings(
            replicaConfig: replicaConfig, tick: nodeTick, heartbeatInterval: settings.heartbeatInterval, flushDelay: flushDelay,
            trimEveryTicks: trimEveryTicks, maxPendingHeartbeats: maxPendingHeartbeats, disk: disk)
        #if DEBUG
        node.replicaBugs = replicaBugs
        #endif
        return node
    }

    /// The slice of the options every client takes.
    var clientSettings: ClientSettings {
        ClientSettings(
            keys: keys, thinkTimeMicroseconds: thinkTimeMicroseconds, attemptTimeout: attemptTimeout, maxAttempts: maxAttempts,
            retryBackoffMicroseconds: retryBackoffMicroseconds)
    }

    /// The command that replays `seed` with these options' test-only variants.
    public func replayCommand(seed: UInt64) -> String {
        var environment = ["KEEL_SIM_SEED=\(seed)"]
        #if DEBUG
        if !replicaBugs.isEmpty { environment.append("KEEL_SIM_BUG=\(replicaBugs.map(\.rawValue).sorted().joined(separator: ","))") }
        #endif
        if supervisorVariant != .standard { environment.append("KEEL_SIM_SUPERVISOR=\(supervisorVariant.rawValue)") }
        if driftFactor != 1 { environment.append("KEEL_SIM_DRIFT_FACTOR=\(driftFactor)") }
        return environment.joined(separator: " ") + " swift test --filter DataPlaneSimulation"
    }
}

extension KeelCluster.ClusterSettings {
    var heartbeatInterval: Duration { .milliseconds(Int64(heartbeatIntervalMs)) }
}
