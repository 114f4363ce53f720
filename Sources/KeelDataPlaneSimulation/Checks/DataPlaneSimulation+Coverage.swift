import KeelCluster
import KeelReplication
import KeelTypes

extension DataPlaneSimulation {
    /// When a primary commits a record (applies it first), every member of the shard's
    /// configuration *in the map* must hold it durably: that is what lets the meta group
    /// fail over to any backup without losing an acknowledged write.
    mutating func checkCommitCoverage(_ record: ReplicationRecord, shard: ShardID, committedBy node: DataNodeID) {
        guard let index = topology.index(of: node), let replica = nodes[index].replicas[shard], replica.role == .primary,
            let current = meta.map.shards[shard]
        else { return }
        for member in current.configuration where member != node {
            guard let memberIndex = topology.index(of: member), let disk = nodes[memberIndex].disks[shard],
                !disk.holdsDurably(record)
            else { continue }
            let stale = replica.descriptor.epoch < current.epoch
            let unsynced = disk.holdsOnlyUnsynced(record) ? " (it has it, not yet fsync'd)" : ""
            let claimed = repliedBeyondDurable["\(shard)/\(member)"] ?? .zero
            let cause = record.lsn <= claimed ? Self.reconcileReplyBeyondDurableNote : ""
            violations.append(Violation(
                stale ? .committedUnderStaleConfiguration : .committedRecordMissing, at: now,
                "shard \(shard): \(node) committed \(record.lsn) at \(replica.descriptor.epoch), but \(member), "
                    + "a member of the map's configuration at \(current.epoch), does not hold it durably\(unsynced)\(cause)"))
            return
        }
    }

    public static let reconcileReplyBeyondDurableNote = "; its reconcile_reply had named a log end it had not made durable"

    /// Notes reconcile traffic that names a log end whose epoch the sender no longer knows.
    mutating func noteUnknownEpoch(_ message: ReplicationMessage) {
        switch message {
        case .reconcile(_, let last, let lastEpoch, _), .reconcileReply(_, let last, let lastEpoch):
            if last > .zero, lastEpoch == .zero { statistics.reconcilesWithUnknownEpoch += 1 }
        default:
            break
        }
    }

    /// Notes a `reconcileReply` whose log end is beyond what the replica has made durable.
    mutating func noteReconcileReply(_ message: ReplicationMessage, shard: ShardID, from node: Int) {
        guard case .reconcileReply(_, let last, _) = message, let disk = nodes[node].disks[shard], last > disk.durableThrough else { return }
        repliedBeyondDurable["\(shard)/\(nodes[node].id)", default: .zero] = max(repliedBeyondDurable["\(shard)/\(nodes[node].id)", default: .zero], last)
    }

    /// A node that joins the configuration (a new primary, a promoted backup) must already
    /// hold every committed record.
    mutating func checkJoinCoverage(_ command: MetaCommand, after shard: ShardDescriptor) {
        let joining: DataNodeID? =
            switch command {
            case .failover(_, _, let newPrimary): newPrimary
            case .transferPrimary(_, _, let target): target
            case .promoteLearner(_, _, let node): node
            default: nil
            }
        guard let joining, let index = topology.index(of: joining), let disk = nodes[index].disks[shard.id],
            let missing = appliedLog.firstMissing(on: disk, shard: shard.id)
        else { return }
        violations.append(Violation(
            .committedRecordMissing, at: now,
            "shard \(shard.id): \(command.name) made \(joining) a member at \(shard.epoch), but it lacks the committed \(missing.lsn) of \(missing.epoch)"))
    }
}
