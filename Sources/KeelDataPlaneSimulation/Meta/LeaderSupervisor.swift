import KeelCluster
import KeelTypes

/// The meta leader's supervisor as the simulation runs it: `MetaSupervisor` itself, or a
/// deliberately broken variant built by wrapping it (never by changing it), for tests that
/// show the checks catch a supervisor that breaks the lease rule.
///
/// `.failoverWithoutLeaseWait` adds, to what the real supervisor decides, a failover of
/// every primary that has been silent for `suspectAfter`, at once: it does not wait until
/// the primary's lease has surely expired.
struct LeaderSupervisor: Sendable {
    private(set) var inner: MetaSupervisor
    let variant: SupervisorVariant
    /// When the variant last heard each node (local time of the leader).
    private var lastHeard: [DataNodeID: MonotonicTime] = [:]
    /// Failovers the variant proposed, by shard and epoch, so each is proposed once.
    private var proposed: Set<ShardEpoch> = []

    private struct ShardEpoch: Hashable {
        var shard: ShardID
        var epoch: Epoch
    }

    init(_ inner: MetaSupervisor, variant: SupervisorVariant) {
        self.inner = inner
        self.variant = variant
    }

    mutating func heartbeat(_ heartbeat: NodeHeartbeat, now: MonotonicTime, map: ClusterMap) -> HeartbeatReply {
        lastHeard[heartbeat.node] = now
        return inner.heartbeat(heartbeat, now: now, map: map)
    }

    mutating func replicaUnreachable(shard: ShardID, epoch: Epoch, node: DataNodeID, now: MonotonicTime) -> MetaCommand {
        inner.replicaUnreachable(shard: shard, epoch: epoch, node: node, now: now)
    }

    mutating func tick(now: MonotonicTime, map: ClusterMap) -> [MetaCommand] {
        var commands = inner.tick(now: now, map: map)
        if variant == .failoverWithoutLeaseWait { commands = eagerFailovers(now: now, map: map) + commands }
        return commands
    }

    /// The broken rule: fail over as soon as the primary looks dead.
    private mutating func eagerFailovers(now: MonotonicTime, map: ClusterMap) -> [MetaCommand] {
        let silentAfter = map.settings.suspectAfter
        let heard = lastHeard
        let alive = { (node: DataNodeID) in heard[node].map { now.duration(since: $0) < silentAfter } ?? false }
        return map.shardsInKeyOrder.compactMap { shard in
            guard let primary = shard.primary, !alive(primary), let heir = shard.backups.first(where: alive),
                proposed.insert(ShardEpoch(shard: shard.id, epoch: shard.epoch)).inserted
            else { return nil }
            return .failover(shard: shard.id, expectedEpoch: shard.epoch, newPrimary: heir)
        }
    }
}
