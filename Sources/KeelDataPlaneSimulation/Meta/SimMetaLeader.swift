import KeelCluster
import KeelTypes

/// The meta group as one leader: a `ClusterMap` it applies its own commands to at once
/// (the meta group's Raft log is simulated elsewhere), and a `MetaSupervisor` that hears
/// heartbeats, grants leases and decides failovers.
///
/// After every applied command the map's invariants and the transition are checked, and
/// the changed shard's descriptor is pushed to every node named in its old or new
/// configuration (heartbeat replies carry it again, so a lost push is repaired).
struct SimMetaLeader: Sendable {
    private(set) var map: ClusterMap
    private(set) var supervisor: LeaderSupervisor
    var clock: DriftingClock
    let topology: Topology
    let proposalTimeout: Duration
    private(set) var leaderChanges = 0

    init(map: ClusterMap, topology: Topology, clock: DriftingClock, variant: SupervisorVariant, proposalTimeout: Duration) {
        self.map = map
        self.topology = topology
        self.clock = clock
        self.proposalTimeout = proposalTimeout
        var supervisor = MetaSupervisor(leaderSince: clock.reading(at: .zero))
        supervisor.proposalTimeout = proposalTimeout
        self.supervisor = LeaderSupervisor(supervisor, variant: variant)
    }

    func now(_ real: SimInstant) -> MonotonicTime { clock.reading(at: real) }

    /// The supervisor's periodic decisions, applied at once.
    mutating func tick(at real: SimInstant, _ effects: inout Effects) {
        for command in supervisor.tick(now: now(real), map: map) { apply(command, at: real, &effects) }
    }

    /// A new leader takes over: it knows nothing of earlier grants and heartbeats.
    mutating func changeLeader(at real: SimInstant) {
        leaderChanges += 1
        var fresh = MetaSupervisor(leaderSince: now(real))
        fresh.proposalTimeout = proposalTimeout
        supervisor = LeaderSupervisor(fresh, variant: supervisor.variant)
    }

    mutating func receive(_ envelope: Envelope, at real: SimInstant, _ effects: inout Effects) {
        switch envelope.payload {
        case .heartbeat(let heartbeat, let sequence):
            let reply = supervisor.heartbeat(heartbeat, now: now(real), map: map)
            let reported = Set(heartbeat.replicas.map(\.shard))
            let shards = map.shardsInKeyOrder.filter { $0.allReplicas.contains(heartbeat.node) || reported.contains($0.id) }
            effects.send(.heartbeatReply(reply, sequence: sequence, shards: shards), from: .meta, to: envelope.from)
        case .metaRequest(let shard, let need):
            switch need {
            case .removeReplica(let node, let epoch):
                apply(supervisor.replicaUnreachable(shard: shard, epoch: epoch, node: node, now: now(real)), at: real, &effects)
            case .promoteLearner(let node, let epoch):
                apply(.promoteLearner(shard: shard, expectedEpoch: epoch, node: node), at: real, &effects)
            case .renewEpoch(let node, let epoch):
                apply(.renewEpoch(shard: shard, expectedEpoch: epoch, primary: node), at: real, &effects)
            }
        case .mapQuery:
            effects.send(.mapAnswer(map.shardsInKeyOrder), from: .meta, to: envelope.from)
        case .replication, .snapshot, .heartbeatReply, .mapUpdate, .mapAnswer, .clientRequest, .clientReply:
            break
        }
    }

    /// Applies one command; a rejected command (a lost race: `stale_epoch`) changes nothing.
    @discardableResult
    mutating func apply(_ command: MetaCommand, at real: SimInstant, _ effects: inout Effects) -> Bool {
        let before = map
        guard case .success(let changes) = map.apply(command) else { return false }
        let problems = map.checkInvariants() + map.checkTransition(from: before)
        for problem in problems {
            effects.notices.append(.violation(Violation(.clusterMapInvariant, at: real, "after \(command.name): \(problem)")))
        }
        for change in changes.changes {
            guard case .shard(let shard) = change else { continue }
            let old = before.shards[shard.id]
            effects.notices.append(.applied(command, before: old, after: shard))
            let nodes = Set((old?.allReplicas ?? []) + shard.allReplicas).sorted()
            for node in nodes {
                guard let endpoint = topology.endpoint(of: node) else { continue }
                effects.send(.mapUpdate([shard]), from: .meta, to: endpoint)
            }
        }
        if !changes.changes.contains(where: { if case .shard = $0 { true } else { false } }) {
            effects.notices.append(.applied(command, before: nil, after: nil))
        }
        return true
    }
}
