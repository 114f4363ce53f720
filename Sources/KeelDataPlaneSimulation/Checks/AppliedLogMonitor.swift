import KeelReplication
import KeelTypes

/// State-machine safety for the replication log: no two replicas of a shard ever apply
/// different records at the same LSN. Checked as each record is applied, on any node.
struct AppliedLogMonitor: Sendable {
    private var firstApplied: [ShardID: [LSN: (node: DataNodeID, record: ReplicationRecord)]] = [:]

    mutating func applied(_ record: ReplicationRecord, shard: ShardID, on node: DataNodeID, at time: SimInstant) -> Violation? {
        guard let first = firstApplied[shard]?[record.lsn] else {
            firstApplied[shard, default: [:]][record.lsn] = (node, record)
            return nil
        }
        guard first.record != record else { return nil }
        return Violation(
            .replicasDiverged, at: time,
            "shard \(shard) \(record.lsn): \(node) applied a record of \(record.epoch) with \(record.writes.count) writes, "
                + "\(first.node) applied a different one of \(first.record.epoch) with \(first.record.writes.count) writes")
    }
}
