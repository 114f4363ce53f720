import KeelReplication
import KeelTypes

/// Checks, after every event, that at most one replica of each shard may serve at that
/// real instant, whatever the nodes' clocks say (each node answers from its own clock,
/// and the monitor compares the answers at one real time), and that a replica that may
/// serve has applied every committed record (else a read could miss an acknowledged write).
///
/// It also remembers which (shard, epoch) pairs have served, so that a crash can be
/// recognised as happening during a new primary's reconciliation (before it first served).
struct ServingMonitor: Sendable {
    private(set) var servedEpochs: Set<ShardEpoch> = []

    struct ShardEpoch: Hashable, Sendable {
        var shard: ShardID
        var epoch: Epoch
    }

    /// The violations at `real`, if any. `committed` gives each shard's highest committed LSN.
    mutating func check(_ nodes: [SimDataNode], committed: (ShardID) -> LSN, at real: SimInstant) -> [Violation] {
        var servers: [ShardID: [(node: DataNodeID, epoch: Epoch)]] = [:]
        var violations: [Violation] = []
        for node in nodes where node.up {
            for (shard, epoch) in node.servingShards(at: real) {
                servers[shard, default: []].append((node.id, epoch))
                servedEpochs.insert(ShardEpoch(shard: shard, epoch: epoch))
                let applied = node.disks[shard]?.storeApplied ?? .zero
                if applied < committed(shard) {
                    violations.append(Violation(
                        .servingBehindCommitted, at: real,
                        "shard \(shard): \(node.id) may serve at \(epoch) with its store applied through \(applied), but \(committed(shard)) is committed"))
                }
            }
        }
        for shard in servers.keys.sorted() {
            let list = servers[shard]!
            guard list.count > 1 else { continue }
            let who = list.map { "\($0.node) at \($0.epoch)" }.joined(separator: " and ")
            violations.append(Violation(.twoServingReplicas, at: real, "shard \(shard): \(who) may both serve"))
        }
        return violations
    }

    func hasServed(_ shard: ShardID, at epoch: Epoch) -> Bool {
        servedEpochs.contains(ShardEpoch(shard: shard, epoch: epoch))
    }
}
