import KeelCluster
import KeelTypes
import Testing

@Suite struct ClusterMapTests {
    @Test(arguments: [1, 2, 3, 7, 256])
    func bootstrapTilesTheKeySpace(shards: Int) throws {
        let map = try ClusterMap.fixture(nodes: 0, shards: shards)
        #expect(map.shards.count == shards)
        #expect(map.checkInvariants().isEmpty)
        #expect(map.shard(owning: []) != nil)
        #expect(map.shard(owning: [0xFF, 0xFF, 0xFF]) != nil)
        #expect(map.shardsInKeyOrder.allSatisfy { $0.epoch == Epoch(1) && $0.primary == nil })
    }

    @Test func bootstrapHappensOnceAndValidatesSettings() throws {
        var map = try ClusterMap.fixture()
        #expect(throws: ClusterError.self) { try map.apply(.bootstrap(settings: ClusterSettings(), initialShards: 1)).get() }
        var bad = ClusterSettings()
        bad.replicas = 0
        var fresh = ClusterMap()
        #expect(fresh.apply(.bootstrap(settings: bad, initialShards: 1)).failureCode == .invalidSettings)
        #expect(fresh.apply(.registerNode(id: "x", address: HostPort(host: "h", port: 1), zone: "a")).failureCode == .notBootstrapped)
        #expect(fresh.version == 0)
    }

    @Test func registrationRejectsAddressClashesAndRemovedIds() throws {
        var map = try ClusterMap.fixture(nodes: 2)
        let clash = map.apply(.registerNode(id: "n9", address: HostPort(host: "127.0.0.1", port: 7001), zone: "a"))
        #expect(clash.failureCode == .addressInUse)
        // Re-registering with a new address is an update.
        try map.mustApply(.registerNode(id: "n1", address: HostPort(host: "10.0.0.1", port: 7001), zone: "a"))
        #expect(map.nodes["n1"]?.address.host == "10.0.0.1")
        try map.mustApply(.setNodeState(id: "n2", state: .removed))
        #expect(map.apply(.registerNode(id: "n2", address: HostPort(host: "h", port: 2), zone: "b")).failureCode == .invalidNodeState)
    }

    @Test func shardReconfigurationsBumpTheEpochAndCheckIt() throws {
        var map = try ClusterMap.fixture(nodes: 4, shards: 1)
        try map.mustApply(.placeShard(shard: ShardID(1), expectedEpoch: Epoch(1), primary: "n1", backups: ["n2"]))
        #expect(map.shard(1).epoch == Epoch(2))
        // A command carrying an old epoch loses: first wins.
        let stale = map.apply(.removeReplica(shard: ShardID(1), expectedEpoch: Epoch(1), node: "n2"))
        #expect(stale.failureCode == .staleEpoch)
        try map.mustApply(.addLearner(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n3"))
        #expect(map.shard(1).learners == ["n3"])
        try map.mustApply(.promoteLearner(shard: ShardID(1), expectedEpoch: Epoch(3), node: "n3"))
        #expect(map.shard(1).backups == ["n2", "n3"])
        try map.mustApply(.failover(shard: ShardID(1), expectedEpoch: Epoch(4), newPrimary: "n3"))
        #expect(map.shard(1).primary == "n3")
        #expect(map.shard(1).backups == ["n2"])
        try map.mustApply(.transferPrimary(shard: ShardID(1), expectedEpoch: Epoch(5), to: "n2"))
        #expect(map.shard(1).primary == "n2")
        #expect(map.shard(1).backups == ["n3"])
        #expect(map.shard(1).epoch == Epoch(6))
    }

    @Test func invalidReconfigurationsChangeNothing() throws {
        var map = try ClusterMap.fixture(nodes: 3, shards: 1)
        try map.mustApply(.placeShard(shard: ShardID(1), expectedEpoch: Epoch(1), primary: "n1", backups: ["n2"]))
        let before = map
        let attempts: [(MetaCommand, ClusterError.Code)] = [
            (.failover(shard: ShardID(1), expectedEpoch: Epoch(2), newPrimary: "n3"), .invalidReplicaSet),
            (.removeReplica(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n1"), .invalidReplicaSet),
            (.addLearner(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n2"), .invalidReplicaSet),
            (.addLearner(shard: ShardID(1), expectedEpoch: Epoch(2), node: "ghost"), .unknownNode),
            (.promoteLearner(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n3"), .invalidReplicaSet),
            (.placeShard(shard: ShardID(1), expectedEpoch: Epoch(2), primary: "n3", backups: []), .invalidReplicaSet),
            (.removeReplica(shard: ShardID(9), expectedEpoch: Epoch(2), node: "n2"), .unknownShard),
            (.setNodeState(id: "n1", state: .removed), .invalidNodeState),
        ]
        for (command, code) in attempts {
            #expect(map.apply(command).failureCode == code, "\(command)")
            #expect(map == before, "\(command) changed the map")
        }
        try map.mustApply(.setNodeState(id: "n3", state: .draining))
        #expect(map.apply(.addLearner(shard: ShardID(1), expectedEpoch: Epoch(2), node: "n3")).failureCode == .nodeUnavailable)
    }

    @Test func splitAndMergeKeepTheKeySpaceTiled() throws {
        var map = try ClusterMap.fixture(nodes: 2, shards: 1)
        try map.mustApply(.placeShard(shard: ShardID(1), expectedEpoch: Epoch(1), primary: "n1", backups: ["n2"]))
        #expect(map.apply(.splitShard(shard: ShardID(1), expectedEpoch: Epoch(2), at: [])).failureCode == .invalidSplit)
        try map.mustApply(.splitShard(shard: ShardID(1), expectedEpoch: Epoch(2), at: Array("m".utf8)))
        #expect(map.shards.count == 2)
        let right = try #require(map.shard(owning: Array("z".utf8)))
        #expect(right.id == ShardID(2))
        #expect(right.primary == "n1")
        #expect(map.apply(.mergeShards(left: ShardID(2), leftEpoch: right.epoch, right: ShardID(1), rightEpoch: map.shard(1).epoch))
            .failureCode == .invalidMerge)
        try map.mustApply(.mergeShards(left: ShardID(1), leftEpoch: map.shard(1).epoch, right: ShardID(2), rightEpoch: right.epoch))
        #expect(map.shards.count == 1)
        #expect(map.shard(1).range == .all)
    }

    @Test func randomCommandSequencesKeepEveryInvariant() throws {
        for seed in UInt64(1)...40 {
            var random = SplitMix64(seed: seed)
            var map = try ClusterMap.fixture(nodes: 5, shards: 3)
            for _ in 0..<300 {
                let command = Self.randomCommand(map, &random)
                let before = map
                switch map.apply(command) {
                case .success(let changes):
                    #expect(changes.version == before.version + 1)
                    #expect(map.checkTransition(from: before).isEmpty, "seed \(seed): \(map.checkTransition(from: before))")
                case .failure:
                    #expect(map == before, "seed \(seed): a rejected \(command.name) changed the map")
                }
                #expect(map.checkInvariants().isEmpty, "seed \(seed) after \(command): \(map.checkInvariants())")
                // Every member decoding the same bytes holds the same map.
                #expect(try ClusterMap(decoding: map.encoded()) == map)
            }
        }
    }

    static func randomCommand(_ map: ClusterMap, _ random: inout SplitMix64) -> MetaCommand {
        let nodes = (1...6).map { DataNodeID("n\($0)") }
        let shard = map.shards.values.sorted { $0.id < $1.id }.randomElement(using: &random)!
        // Sometimes a stale epoch, to exercise first-wins.
        let epoch = Bool.random(using: &random) || shard.epoch.rawValue == 1 ? shard.epoch : Epoch(shard.epoch.rawValue - 1)
        let node = nodes.randomElement(using: &random)!
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return .placeShard(shard: shard.id, expectedEpoch: epoch, primary: node, backups: [nodes.randomElement(using: &random)!])
        case 1: return .failover(shard: shard.id, expectedEpoch: epoch, newPrimary: node)
        case 2: return .removeReplica(shard: shard.id, expectedEpoch: epoch, node: node)
        case 3: return .addLearner(shard: shard.id, expectedEpoch: epoch, node: node)
        case 4: return .promoteLearner(shard: shard.id, expectedEpoch: epoch, node: node)
        case 5: return .transferPrimary(shard: shard.id, expectedEpoch: epoch, to: node)
        case 6:
            return .splitShard(shard: shard.id, expectedEpoch: epoch, at: [UInt8.random(in: 0...255, using: &random), UInt8.random(in: 0...255, using: &random)])
        case 7:
            let ordered = map.shardsInKeyOrder
            guard let index = ordered.firstIndex(where: { $0.id == shard.id }), index + 1 < ordered.count else {
                return .setNodeState(id: node, state: .up)
            }
            let right = ordered[index + 1]
            return .mergeShards(left: shard.id, leftEpoch: epoch, right: right.id, rightEpoch: right.epoch)
        case 8: return .setNodeState(id: node, state: [.up, .suspect, .down, .draining, .removed].randomElement(using: &random)!)
        default: return .registerNode(id: node, address: HostPort(host: "h", port: Int.random(in: 1...8, using: &random)), zone: "a")
        }
    }

    @Test func changeLogResumesOrSaysTooFarBehind() throws {
        var log = ChangeLog(capacity: 3)
        for version in UInt64(1)...5 { log.append(VersionedChanges(version: version, changes: [])) }
        #expect(log.changes(after: 5) == .changes([]))
        #expect(log.changes(after: 3) == .changes([VersionedChanges(version: 4, changes: []), VersionedChanges(version: 5, changes: [])]))
        #expect(log.changes(after: 2).versions == [3, 4, 5])
        #expect(log.changes(after: 1) == .tooFarBehind)
        #expect(log.changes(after: 9) == .tooFarBehind)
        log.reset(at: 20)
        #expect(log.changes(after: 5) == .tooFarBehind)
    }

    @Test func commandsRoundTripThroughTheirEncoding() throws {
        let commands: [MetaCommand] = [
            .bootstrap(settings: ClusterSettings(), initialShards: 4),
            .registerNode(id: "n1", address: HostPort(host: "::1", port: 9), zone: "z"),
            .splitShard(shard: ShardID(3), expectedEpoch: Epoch(9), at: [0, 255, 7]),
            .mergeShards(left: ShardID(1), leftEpoch: Epoch(2), right: ShardID(3), rightEpoch: Epoch(4)),
        ]
        for command in commands { #expect(try MetaCommand(decoding: command.encoded()) == command) }
        #expect(throws: ClusterError.self) { try MetaCommand(decoding: Array("{nope".utf8)) }
    }
}

extension Result where Failure == ClusterError {
    var failureCode: ClusterError.Code? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}

extension ChangeLog.Answer {
    var versions: [UInt64]? {
        if case .changes(let changes) = self { return changes.map(\.version) }
        return nil
    }
}

@Suite struct ClusterViewTests {
    @Test func aViewFollowsTheChangeFeedAndRoutesKeys() throws {
        var map = try ClusterMap.fixture(nodes: 2, shards: 4)
        var view = ClusterView(map)
        var feed: [VersionedChanges] = []
        for command: MetaCommand in [
            .placeShard(shard: ShardID(1), expectedEpoch: Epoch(1), primary: "n1", backups: ["n2"]),
            .splitShard(shard: ShardID(2), expectedEpoch: Epoch(1), at: [0x50]),
        ] {
            feed.append(try map.apply(command).get())
        }
        let applied = view.apply(feed)
        #expect(applied)
        #expect(view == ClusterView(map))
        #expect(view.shard(owning: [0x51])?.id == ShardID(5))
        #expect(view.shard(owning: [0x4F])?.id == ShardID(2))
        #expect(view.shard(owning: [])?.primary == "n1")
        // A gap is refused.
        let later = try map.apply(.setNodeState(id: "n2", state: .draining)).get()
        var stale = ClusterView()
        let gapApplied = stale.apply([later])
        #expect(!gapApplied)
        #expect(stale.version == 0)
    }
}
