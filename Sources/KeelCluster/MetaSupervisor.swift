import KeelTypes

/// The meta leader's control loop: it hears heartbeats, grants primary leases, and decides
/// which commands to propose (health, failover, replica removal and replacement, placement
/// of new shards, drains). Pure and in memory: nothing here is replicated; a new leader
/// starts a fresh supervisor and relearns from heartbeats.
///
/// Safety rests on two waits (docs/cluster.md):
/// * a primary is failed over only once every lease it could hold has surely expired:
///   `lastGrant + lease + clockDriftBound` on this leader's clock; after a leader change,
///   `leaderSince + lease + clockDriftBound` (grants of an earlier leader are unknown);
/// * once a failover of a shard at epoch `e` is decided, no lease for `e` is granted again.
///
/// Lease grants must only leave the leader after it has confirmed it still leads (the
/// meta shell does a Raft lease read before answering heartbeats); that is what makes
/// "grants of an earlier leader" end before this leader's `leaderSince`.
public struct MetaSupervisor: Sendable {
    public let leaderSince: MonotonicTime
    /// Last heartbeat per node, and what it reported.
    private var lastHeard: [DataNodeID: MonotonicTime] = [:]
    private var reports: [DataNodeID: [ShardID: ReplicaReport]] = [:]
    /// Last lease grant per shard: (epoch, when granted on this leader's clock).
    private var lastGrant: [ShardID: (epoch: Epoch, at: MonotonicTime)] = [:]
    /// Shards whose failover was decided at an epoch: no more leases for that epoch.
    private var revoked: [ShardID: Epoch] = [:]
    /// Commands proposed and not yet seen applied, by shard (or node), to avoid repeats.
    private var pendingShards: [ShardID: (epoch: Epoch, at: MonotonicTime)] = [:]
    private var pendingNodes: [DataNodeID: (state: NodeState, at: MonotonicTime)] = [:]
    /// When each shard was first seen with fewer replicas than the target.
    private var underReplicatedSince: [ShardID: MonotonicTime] = [:]
    /// A proposal not seen applied after this long may be proposed again.
    public var proposalTimeout: Duration = .seconds(5)

    public init(leaderSince: MonotonicTime) {
        self.leaderSince = leaderSince
    }

    // MARK: Heartbeats and leases

    /// Records a heartbeat and answers it: lease renewals for the shards it leads.
    public mutating func heartbeat(_ heartbeat: NodeHeartbeat, now: MonotonicTime, map: ClusterMap) -> HeartbeatReply {
        guard map.nodes[heartbeat.node].map({ $0.state != .removed }) ?? false else {
            return HeartbeatReply(mapVersion: map.version, leases: [], registered: false)
        }
        lastHeard[heartbeat.node] = now
        reports[heartbeat.node] = Dictionary(heartbeat.replicas.map { ($0.shard, $0) }, uniquingKeysWith: { $1 })
        var leases: [LeaseGrant] = []
        for report in heartbeat.replicas where report.role == .primary {
            // The node is the shard's primary in the newest map (it may not have seen the
            // newest epoch yet: the grant names the epoch it reports, which is the one it
            // can use). Primaries change only by failover or transfer, and both revoke the
            // old primary's lease first and wait for it to expire.
            guard let shard = map.shards[report.shard], shard.primary == heartbeat.node, report.epoch <= shard.epoch,
                revoked[shard.id] != shard.epoch
            else { continue }
            lastGrant[shard.id] = (shard.epoch, now)
            leases.append(LeaseGrant(shard: shard.id, epoch: report.epoch, durationMs: map.settings.leaseMs))
        }
        return HeartbeatReply(mapVersion: map.version, leases: leases, registered: true)
    }

    /// The earliest time at which no lease for `shard`'s current primary can be valid.
    public func leaseSurelyExpired(_ shard: ShardDescriptor, settings: ClusterSettings) -> MonotonicTime {
        let wait = settings.lease + settings.clockDriftBound
        let sinceLeader = leaderSince.advanced(by: wait)
        // A primary keeps its lease across epochs in which it stays primary, so every grant
        // for the shard counts, whatever its epoch.
        guard let grant = lastGrant[shard.id] else { return sinceLeader }
        return max(sinceLeader, grant.at.advanced(by: wait))
    }

    // MARK: The control loop

    /// Decides what to propose now. Each decision is made once per shard epoch (or node
    /// state) until it is applied or `proposalTimeout` passes.
    public mutating func tick(now: MonotonicTime, map: ClusterMap) -> [MetaCommand] {
        guard map.isBootstrapped else { return [] }
        forgetApplied(map)
        var commands = healthCommands(now: now, map: map)
        var placement = Placement(map: map)
        for shard in map.shardsInKeyOrder {
            if let pending = pendingShards[shard.id], pending.epoch == shard.epoch, now.duration(since: pending.at) < proposalTimeout {
                continue
            }
            if let command = decide(shard, now: now, map: map, placement: &placement) {
                pendingShards[shard.id] = (shard.epoch, now)
                commands.append(command)
            }
        }
        return commands
    }

    /// A primary could not reach `node`: remove it from the configuration at `epoch` (the
    /// command fails if the shard moved on: first wins).
    public mutating func replicaUnreachable(shard: ShardID, epoch: Epoch, node: DataNodeID, now: MonotonicTime) -> MetaCommand {
        pendingShards[shard] = (epoch, now)
        return .removeReplica(shard: shard, expectedEpoch: epoch, node: node)
    }

    /// Whether `node` has heartbeated within `window`.
    public func isAlive(_ node: DataNodeID, now: MonotonicTime, window: Duration) -> Bool {
        now.duration(since: lastHeard[node] ?? leaderSince) < window
    }

    /// The last report of `node` about `shard`, if any.
    public func report(of node: DataNodeID, about shard: ShardID) -> ReplicaReport? { reports[node]?[shard] }

    private mutating func forgetApplied(_ map: ClusterMap) {
        pendingShards = pendingShards.filter { map.shards[$0.key]?.epoch == $0.value.epoch }
        pendingNodes = pendingNodes.filter { map.nodes[$0.key]?.state != $0.value.state }
    }

    private mutating func healthCommands(now: MonotonicTime, map: ClusterMap) -> [MetaCommand] {
        var commands: [MetaCommand] = []
        for node in map.nodes.values.sorted(by: { $0.id < $1.id }) where node.state != .removed {
            let silence = now.duration(since: lastHeard[node.id] ?? leaderSince)
            let target: NodeState? =
                switch node.state {
                case .up where silence >= map.settings.suspectAfter: .suspect
                case .suspect where silence >= map.settings.downAfter: .down
                case .suspect, .down: silence < map.settings.suspectAfter ? .up : nil
                case .draining where silence >= map.settings.downAfter: .down
                default: nil
                }
            guard let target else { continue }
            if let pending = pendingNodes[node.id], pending.state == target, now.duration(since: pending.at) < proposalTimeout {
                continue
            }
            pendingNodes[node.id] = (target, now)
            commands.append(.setNodeState(id: node.id, state: target))
        }
        return commands
    }

    /// The one change a shard needs most, if any, in priority order: a primary, then the
    /// removal of dead replicas, then replacements, then drains.
    private mutating func decide(
        _ shard: ShardDescriptor, now: MonotonicTime, map: ClusterMap, placement: inout Placement
    ) -> MetaCommand? {
        let settings = map.settings
        let liveNodes = Set(shard.allReplicas.filter { isAlive($0, now: now, window: settings.suspectAfter) })
        let alive = { (node: DataNodeID) in liveNodes.contains(node) }
        guard let primary = shard.primary else { return place(shard, now: now, map: map, placement: &placement) }
        // A Raft baseline shard elects its own leader and is never reconfigured; its
        // leader asks to be named primary (`transferPrimary`) so routers find it.
        guard settings.replication == .primaryBackup else { return nil }
        if !alive(primary) {
            return failover(shard, now: now, settings: settings, alive: alive)
        }
        let dead = (shard.backups + shard.learners).filter { map.nodes[$0]?.state == .down || map.nodes[$0] == nil }
        if let node = dead.first {
            return .removeReplica(shard: shard.id, expectedEpoch: shard.epoch, node: node)
        }
        return replacement(shard, now: now, map: map, placement: &placement) ?? drain(shard, now: now, map: map, placement: &placement)
    }

    private func place(_ shard: ShardDescriptor, now: MonotonicTime, map: ClusterMap, placement: inout Placement) -> MetaCommand? {
        let nodes = placement.choose(map.settings.replicas, excluding: [])
        guard let primary = placement.leastLeading(nodes) else { return nil }
        // A new cluster's data nodes register one by one: give them a moment to all arrive
        // rather than place every shard on the first one.
        if nodes.count < map.settings.replicas, now.duration(since: leaderSince) < map.settings.replaceDownReplicaAfter {
            return nil
        }
        let backups = nodes.filter { $0 != primary }
        placement.record(primary: primary, others: backups)
        return .placeShard(shard: shard.id, expectedEpoch: shard.epoch, primary: primary, backups: backups)
    }

    private mutating func failover(
        _ shard: ShardDescriptor, now: MonotonicTime, settings: ClusterSettings, alive: (DataNodeID) -> Bool
    ) -> MetaCommand? {
        guard now >= leaseSurelyExpired(shard, settings: settings) else { return nil }
        // The most up-to-date live backup: every committed write is on every backup, and the
        // one that prepared most loses least of what was in flight.
        let candidates = shard.backups.filter(alive).map { node in
            (node: node, prepared: report(of: node, about: shard.id).map { $0.epoch == shard.epoch ? $0.prepared : 0 } ?? 0)
        }
        guard let best = candidates.max(by: { ($0.prepared, $1.node) < ($1.prepared, $0.node) }) else { return nil }
        revoked[shard.id] = shard.epoch
        return .failover(shard: shard.id, expectedEpoch: shard.epoch, newPrimary: best.node)
    }

    private mutating func replacement(
        _ shard: ShardDescriptor, now: MonotonicTime, map: ClusterMap, placement: inout Placement
    ) -> MetaCommand? {
        let target = map.settings.replicas
        guard shard.allReplicas.count < target else {
            underReplicatedSince[shard.id] = nil
            return nil
        }
        let since = underReplicatedSince[shard.id] ?? now
        underReplicatedSince[shard.id] = since
        // A node that still reports a copy of the shard (it was away briefly) catches up from
        // the log tail; anyone else waits for the down time to pass, then copies everything.
        let returning = Set(reports.compactMap { node, shards in shards[shard.id] != nil ? node : nil })
        let chosen = placement.choose(1, excluding: shard.allReplicas, preferring: returning)
        guard let node = chosen.first else { return nil }
        guard returning.contains(node) || now.duration(since: since) >= map.settings.replaceDownReplicaAfter else { return nil }
        placement.record(primary: nil, others: [node])
        return .addLearner(shard: shard.id, expectedEpoch: shard.epoch, node: node)
    }

    private mutating func drain(_ shard: ShardDescriptor, now: MonotonicTime, map: ClusterMap, placement: inout Placement) -> MetaCommand? {
        let draining = shard.allReplicas.filter { map.nodes[$0]?.state == .draining }
        guard let leaving = draining.first else { return nil }
        if shard.configuration.count > map.settings.replicas || shard.learners.contains(leaving) {
            // The replacement is in: the draining replica can go (a primary hands over first,
            // once its lease is revoked and has surely expired, like a failover).
            if leaving == shard.primary, let heir = shard.backups.first(where: { !draining.contains($0) }) {
                revoked[shard.id] = shard.epoch
                guard now >= leaseSurelyExpired(shard, settings: map.settings) else { return nil }
                return .transferPrimary(shard: shard.id, expectedEpoch: shard.epoch, to: heir)
            }
            return leaving == shard.primary ? nil : .removeReplica(shard: shard.id, expectedEpoch: shard.epoch, node: leaving)
        }
        guard shard.learners.isEmpty else { return nil }  // a replacement is catching up
        guard let node = placement.choose(1, excluding: shard.allReplicas).first else { return nil }
        placement.record(primary: nil, others: [node])
        return .addLearner(shard: shard.id, expectedEpoch: shard.epoch, node: node)
    }
}
