import KeelCluster
import KeelTypes
import Testing

@Suite struct MetaSupervisorTests {
    /// Lease 3 s, drift bound 0.5 s, suspect after 2 s (down after 4 s), replace after 10 s.
    func placedMap(replicas: Int = 2, nodes: Int = 3) throws -> ClusterMap {
        var settings = ClusterSettings()
        settings.replicas = replicas
        var map = try ClusterMap.fixture(nodes: nodes, shards: 1, settings: settings)
        try map.mustApply(.placeShard(shard: ShardID(1), expectedEpoch: Epoch(1), primary: "n1", backups: ["n2"]))
        return map
    }

    func beat(_ supervisor: inout MetaSupervisor, _ node: DataNodeID, _ map: ClusterMap, at time: MonotonicTime, prepared: UInt64 = 0)
        -> HeartbeatReply
    {
        let replicas = map.shards(on: node).map { shard in
            ReplicaReport(shard: shard.id, epoch: shard.epoch, role: shard.primary == node ? .primary : .backup, prepared: prepared)
        }
        return supervisor.heartbeat(NodeHeartbeat(node: node, replicas: replicas), now: time, map: map)
    }

    @Test func leasesGoOnlyToTheCurrentPrimary() throws {
        let map = try placedMap()
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        let primaryReply = beat(&supervisor, "n1", map, at: ms(100))
        #expect(primaryReply.leases == [LeaseGrant(shard: ShardID(1), epoch: Epoch(2), durationMs: 3000)])
        #expect(beat(&supervisor, "n2", map, at: ms(100)).leases.isEmpty)
        // The primary that has not seen the newest epoch yet gets a lease it can use (its own epoch).
        let behind = supervisor.heartbeat(
            NodeHeartbeat(node: "n1", replicas: [ReplicaReport(shard: ShardID(1), epoch: Epoch(1), role: .primary)]), now: ms(200),
            map: map)
        #expect(behind.leases == [LeaseGrant(shard: ShardID(1), epoch: Epoch(1), durationMs: 3000)])
        // A node that claims to be primary but is not in the map gets nothing.
        let impostor = supervisor.heartbeat(
            NodeHeartbeat(node: "n2", replicas: [ReplicaReport(shard: ShardID(1), epoch: Epoch(2), role: .primary)]), now: ms(200),
            map: map)
        #expect(impostor.leases.isEmpty)
        #expect(!supervisor.heartbeat(NodeHeartbeat(node: "stranger", replicas: []), now: ms(200), map: map).registered)
    }

    @Test func failoverWaitsUntilTheLeaseHasSurelyExpired() throws {
        var map = try placedMap()
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        _ = beat(&supervisor, "n1", map, at: ms(1000))  // last grant at t=1 s
        for time in stride(from: UInt64(1000), to: 4500, by: 250) {
            _ = beat(&supervisor, "n2", map, at: ms(time))
            _ = beat(&supervisor, "n3", map, at: ms(time))
            // n1 is silent from t=1 s; its lease ends by 4 s on its clock, 4.5 s with drift.
            let commands = supervisor.tick(now: ms(time), map: map)
            #expect(!commands.contains { if case .failover = $0 { true } else { false } }, "failover at \(time) ms")
        }
        _ = beat(&supervisor, "n2", map, at: ms(4500))
        let commands = supervisor.tick(now: ms(4500), map: map)
        #expect(commands.contains(.failover(shard: ShardID(1), expectedEpoch: Epoch(2), newPrimary: "n2")))
        // Once decided, no lease for the old epoch is granted again, even if n1 comes back.
        #expect(beat(&supervisor, "n1", map, at: ms(4600)).leases.isEmpty)
        try map.mustApply(.failover(shard: ShardID(1), expectedEpoch: Epoch(2), newPrimary: "n2"))
        #expect(beat(&supervisor, "n2", map, at: ms(4700)).leases.map(\.epoch) == [Epoch(3)])
    }

    @Test func aNewLeaderWaitsOutLeasesItDoesNotKnow() throws {
        let map = try placedMap()
        // This leader started at t=10 s and never heard n1: an earlier leader may have
        // granted n1 a lease just before it lost leadership.
        var supervisor = MetaSupervisor(leaderSince: ms(10_000))
        _ = beat(&supervisor, "n2", map, at: ms(13_000))
        #expect(supervisor.tick(now: ms(13_000), map: map).allSatisfy { if case .failover = $0 { false } else { true } })
        _ = beat(&supervisor, "n2", map, at: ms(13_500))
        #expect(supervisor.tick(now: ms(13_500), map: map).contains(.failover(shard: ShardID(1), expectedEpoch: Epoch(2), newPrimary: "n2")))
    }

    @Test func failoverPicksTheMostUpToDateLiveBackup() throws {
        var settings = ClusterSettings()
        settings.replicas = 3
        var map = try ClusterMap.fixture(nodes: 4, shards: 1, settings: settings)
        try map.mustApply(.placeShard(shard: ShardID(1), expectedEpoch: Epoch(1), primary: "n1", backups: ["n2", "n3"]))
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        _ = beat(&supervisor, "n2", map, at: ms(5000), prepared: 10)
        _ = beat(&supervisor, "n3", map, at: ms(5000), prepared: 12)
        #expect(supervisor.tick(now: ms(5000), map: map).contains(.failover(shard: ShardID(1), expectedEpoch: Epoch(2), newPrimary: "n3")))
        // Proposed once, not again while it is pending.
        #expect(!supervisor.tick(now: ms(5100), map: map).contains { if case .failover = $0 { true } else { false } })
    }

    @Test func noLiveBackupMeansNoFailover() throws {
        let map = try placedMap()
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        #expect(!supervisor.tick(now: ms(60_000), map: map).contains { if case .failover = $0 { true } else { false } })
    }

    @Test func silentNodesBecomeSuspectThenDownAndComeBack() throws {
        let map = try placedMap()
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        _ = beat(&supervisor, "n1", map, at: ms(0))
        _ = beat(&supervisor, "n2", map, at: ms(0))
        var commands = supervisor.tick(now: ms(2500), map: map)
        #expect(commands.contains(.setNodeState(id: "n3", state: .suspect)))
        var later = map
        try later.mustApply(.setNodeState(id: "n3", state: .suspect))
        commands = supervisor.tick(now: ms(4500), map: later)
        #expect(commands.contains(.setNodeState(id: "n3", state: .down)))
        _ = beat(&supervisor, "n3", later, at: ms(5000))
        #expect(supervisor.tick(now: ms(5000), map: later).contains(.setNodeState(id: "n3", state: .up)))
    }

    @Test func newShardsArePlacedOverZones() throws {
        let map = try ClusterMap.fixture(nodes: 3, shards: 2)
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        let commands = supervisor.tick(now: ms(10), map: map)
        let placements = commands.compactMap { command -> (DataNodeID, [DataNodeID])? in
            if case .placeShard(_, _, let primary, let backups) = command { return (primary, backups) }
            return nil
        }
        #expect(placements.count == 2)
        #expect(placements.allSatisfy { $0.1.count == 1 && $0.0 != $0.1[0] })
    }

    @Test func deadBackupsAreRemovedAndReplacedAfterTheDownTime() throws {
        var map = try placedMap()
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        try map.mustApply(.setNodeState(id: "n2", state: .down))
        _ = beat(&supervisor, "n1", map, at: ms(100))
        _ = beat(&supervisor, "n3", map, at: ms(100))
        #expect(supervisor.tick(now: ms(100), map: map).contains(.removeReplica(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n2")))
        try map.mustApply(.removeReplica(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n2"))
        _ = beat(&supervisor, "n1", map, at: ms(200))
        _ = beat(&supervisor, "n3", map, at: ms(200))
        #expect(!supervisor.tick(now: ms(200), map: map).contains { if case .addLearner = $0 { true } else { false } })
        _ = beat(&supervisor, "n1", map, at: ms(10_300))
        _ = beat(&supervisor, "n3", map, at: ms(10_300))
        #expect(supervisor.tick(now: ms(10_300), map: map).contains(.addLearner(shard: ShardID(1), expectedEpoch: Epoch(3), node: "n3")))
    }

    @Test func aDrainingPrimaryHandsOverOnlyAfterItsLeaseExpired() throws {
        var map = try placedMap()
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        try map.mustApply(.setNodeState(id: "n1", state: .draining))
        try map.mustApply(.addLearner(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n3"))
        try map.mustApply(.promoteLearner(shard: ShardID(1), expectedEpoch: Epoch(3), node: "n3"))
        #expect(beat(&supervisor, "n1", map, at: ms(5000)).leases.count == 1)
        #expect(!supervisor.tick(now: ms(5000), map: map).contains { if case .transferPrimary = $0 { true } else { false } })
        // From the decision on, the draining primary's lease is not renewed…
        #expect(beat(&supervisor, "n1", map, at: ms(5100)).leases.isEmpty)
        // …and the hand-over waits until the last grant has surely expired (5 s + 3 s + 0.5 s).
        for time in stride(from: UInt64(5500), through: 8500, by: 500) {
            for node in ["n2", "n3"] { _ = beat(&supervisor, DataNodeID(node), map, at: ms(time)) }
            #expect(beat(&supervisor, "n1", map, at: ms(time)).leases.isEmpty)
        }
        #expect(!supervisor.tick(now: ms(8400), map: map).contains { if case .transferPrimary = $0 { true } else { false } })
        #expect(supervisor.tick(now: ms(8600), map: map).contains { if case .transferPrimary = $0 { true } else { false } })
    }

    @Test func drainingMovesAReplicaAwayThroughALearner() throws {
        var map = try placedMap()
        var supervisor = MetaSupervisor(leaderSince: ms(0))
        try map.mustApply(.setNodeState(id: "n2", state: .draining))
        for node in ["n1", "n2", "n3"] { _ = beat(&supervisor, DataNodeID(node), map, at: ms(100)) }
        #expect(supervisor.tick(now: ms(100), map: map).contains(.addLearner(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n3")))
        try map.mustApply(.addLearner(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n3"))
        try map.mustApply(.promoteLearner(shard: ShardID(1), expectedEpoch: Epoch(3), node: "n3"))
        for node in ["n1", "n2", "n3"] { _ = beat(&supervisor, DataNodeID(node), map, at: ms(200)) }
        #expect(supervisor.tick(now: ms(200), map: map).contains(.removeReplica(shard: ShardID(1), expectedEpoch: Epoch(4), node: "n2")))
    }
}
