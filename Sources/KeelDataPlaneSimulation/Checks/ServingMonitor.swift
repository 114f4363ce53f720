import KeelTypes

/// Checks, after every event, that at most one replica of each shard may serve at that
/// real instant, whatever the nodes' clocks say: each node answers from its own clock,
/// and the monitor compares the answers at one real time.
///
/// It also remembers which (shard, epoch) pairs have served, so that a crash can be
/// recognised as happening during a new primary's reconciliation (before it first served).
struct ServingMonitor: Sendable {
    private(set) var servedEpochs: Set<ShardEpoch> = []

    struct ShardEpoch: Hashable, Sendable {
        var shard: ShardID
        var epoch: Epoch
    }

    /// The violations at `real`, if any.
    mutating func check(_ nodes: [SimDataNode], at real: SimInstant) -> [Violation] {
        var servers: [ShardID: [(node: DataNodeID, epoch: Epoch)]] = [:]
        for node in nodes where node.up {
            for (shard, epoch) in node.servingShards(at: real) {
                servers[shard, default: []].append((node.id, epoch))
                servedEpochs.insert(ShardEpoch(shard: shard, epoch: epoch))
            }
        }
        return servers.keys.sorted().compactMap { shard in
            let list = servers[shard]!
            guard list.count > 1 else { return nil }
            let who = list.map { "\($0.node) at \($0.epoch)" }.joined(separator: " and ")
            return Violation(.twoServingReplicas, at: real, "shard \(shard): \(who) may both serve")
        }
    }

    func hasServed(_ shard: ShardID, at epoch: Epoch) -> Bool {
        servedEpochs.contains(ShardEpoch(shard: shard, epoch: epoch))
    }
}
