import KeelReplication
import KeelTypes

extension SimDataNode {
    /// Routes one delivered message to the replica or handler it is for.
    mutating func receive(_ envelope: Envelope, at real: SimInstant, _ effects: inout Effects) {
        guard up else { return }
        switch envelope.payload {
        case .replication(let shard, let message):
            guard replicas[shard] != nil, case .node(let senderIndex) = envelope.from else { return }
            let output = replicas[shard]!.receive(message, from: topology.nodeIDs[senderIndex], now: now(real))
            carryOut(output, shard: shard, at: real, &effects)
        case .snapshot(let snapshot):
            install(snapshot, at: real, &effects)
        case .heartbeatReply(let reply, let sequence, let shards):
            receiveHeartbeatReply(reply, sequence: sequence, shards: shards, at: real, &effects)
        case .mapUpdate(let shards):
            adopt(shards, at: real, &effects)
        case .clientRequest(let request):
            serve(request, at: real, &effects)
        case .heartbeat, .metaRequest, .mapQuery, .mapAnswer, .clientReply:
            break
        }
    }

    /// A learner installs a copy of its primary's store. Late or duplicated snapshots, and
    /// snapshots of another epoch, are ignored: installing one would move the store back.
    private mutating func install(_ snapshot: ShardSnapshot, at real: SimInstant, _ effects: inout Effects) {
        guard let replica = replicas[snapshot.shard], replica.role == .learner, replica.descriptor.epoch == snapshot.epoch,
            snapshot.appliedThrough > replica.applied
        else { return }
        disks[snapshot.shard]!.install(snapshot)
        let output = replicas[snapshot.shard]!.snapshotInstalled(at: snapshot.appliedThrough)
        carryOut(output, shard: snapshot.shard, at: real, &effects)
    }
}
