import KeelReplication
import KeelTypes

/// What each replica has acknowledged as durable to its primary, per epoch, as seen on the
/// wire (so it survives the replica's crash). A primary only ever raises what it believes
/// a peer holds, so a replica that drops a record it acknowledged in the same epoch lets
/// the primary count a copy that no longer exists.
struct AcknowledgementMonitor: Sendable {
    private struct ReplicaKey: Hashable, Sendable {
        var shard: ShardID
        var node: DataNodeID
    }

    private var acknowledged: [ReplicaKey: (epoch: Epoch, durable: LSN)] = [:]

    /// Notes the acknowledgements in a message a replica sent.
    mutating func sent(_ message: ReplicationMessage, shard: ShardID, by node: DataNodeID) {
        guard case .prepareAck(let epoch, let durable) = message else { return }
        let key = ReplicaKey(shard: shard, node: node)
        if let known = acknowledged[key], known.epoch > epoch || (known.epoch == epoch && known.durable >= durable) { return }
        acknowledged[key] = (epoch, durable)
    }

    /// A replica at `epoch` dropped `dropped`: a violation if it had acknowledged any of them in that epoch.
    func truncated(
        _ dropped: [ReplicationRecord], shard: ShardID, node: DataNodeID, role: ShardReplica.Role, epoch: Epoch, at time: SimInstant
    ) -> Violation? {
        guard let known = acknowledged[ReplicaKey(shard: shard, node: node)], known.epoch == epoch,
            let first = dropped.map(\.lsn).min(), first <= known.durable
        else { return nil }
        return Violation(
            .acknowledgedRecordDropped, at: time,
            "shard \(shard): \(role.rawValue) \(node) dropped \(first) at \(epoch) after acknowledging it durable through \(known.durable)")
    }
}
