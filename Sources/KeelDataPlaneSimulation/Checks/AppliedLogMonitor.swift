import KeelReplication
import KeelTypes

/// Safety of the replication log, checked as it happens:
/// * no two replicas of a shard ever apply different records at the same LSN;
/// * no backup drops a committed record (one some replica applied): every committed
///   write must stay on every replica of the configuration (invariant 2).
struct AppliedLogMonitor: Sendable {
    private var firstApplied: [ShardID: [LSN: (node: DataNodeID, record: ReplicationRecord)]] = [:]
    /// The highest LSN applied anywhere, per shard: the commit point of the shard.
    private(set) var highestCommitted: [ShardID: LSN] = [:]

    func committed(_ shard: ShardID) -> LSN { highestCommitted[shard] ?? .zero }

    mutating func applied(_ record: ReplicationRecord, shard: ShardID, on node: DataNodeID, at time: SimInstant) -> Violation? {
        guard let first = firstApplied[shard]?[record.lsn] else {
            firstApplied[shard, default: [:]][record.lsn] = (node, record)
            highestCommitted[shard] = max(highestCommitted[shard] ?? .zero, record.lsn)
            return nil
        }
        guard first.record != record else { return nil }
        return Violation(
            .replicasDiverged, at: time,
            "shard \(shard) \(record.lsn): \(node) applied a record of \(record.epoch) with \(record.writes.count) writes, "
                + "\(first.node) applied a different one of \(first.record.epoch) with \(first.record.writes.count) writes")
    }

    /// The first committed record `disk` does not hold durably, if any.
    func firstMissing(on disk: ShardDisk, shard: ShardID) -> ReplicationRecord? {
        guard let committed = firstApplied[shard] else { return nil }
        return committed.keys.sorted().lazy.filter { $0 > disk.storeApplied }.compactMap { committed[$0]?.record }
            .first { !disk.holdsDurably($0) }
    }

    func truncated(
        _ dropped: [ReplicationRecord], shard: ShardID, on node: DataNodeID, role: ShardReplica.Role, at time: SimInstant
    ) -> Violation? {
        guard role == .backup || role == .primary,
            let lost = dropped.first(where: { firstApplied[shard]?[$0.lsn]?.record == $0 })
        else { return nil }
        return Violation(
            .committedRecordDropped, at: time,
            "shard \(shard): \(role.rawValue) \(node) truncated its log after \(lost.lsn.previous), dropping the committed \(lost.lsn) of \(lost.epoch) "
                + "(\(firstApplied[shard]![lost.lsn]!.node) applied it)")
    }
}
