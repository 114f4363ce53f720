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
            violations.append(Violation(
                stale ? .committedUnderStaleConfiguration : .committedRecordMissing, at: now,
                "shard \(shard): \(node) committed \(record.lsn) at \(replica.descriptor.epoch), but \(member), "
                    + "a member of the map's configuration at \(current.epoch), does not hold it durably"))
            return
        }
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
