import KeelReplication
import KeelTypes

extension SimDataNode {
    /// Carries out a replica's output in the order its contract requires:
    /// 1. truncate, then append to the log (an fsync starts if none is running);
    /// 2. send the messages;
    /// 3. apply committed records to the store, report `applied`, and only then answer clients;
    /// 4. forward meta requests, send snapshots, and fetch the map if a newer epoch was seen.
    mutating func carryOut(_ output: ReplicaOutput, shard: ShardID, at real: SimInstant, _ effects: inout Effects) {
        guard up, !output.isEmpty else { return }
        if let cut = output.truncateAfter {
            let dropped = disks[shard]!.records(after: cut)
            if !dropped.isEmpty {
                let replica = replicas[shard]!
                effects.notices.append(.truncated(dropped, shard: shard, node: id, role: replica.role, epoch: replica.descriptor.epoch))
            }
            disks[shard]!.truncate(after: cut)
        }
        if !output.append.isEmpty {
            disks[shard]!.write(output.append)
            beginSync(shard, &effects)
        }
        for (to, message) in output.messages {
            guard let destination = topology.endpoint(of: to) else { continue }
            effects.send(.replication(shard: shard, message), from: endpoint, to: destination)
        }
        if let last = output.apply.last {
            for record in output.apply {
                disks[shard]!.apply(record)
                effects.notices.append(.recordApplied(record, shard: shard, node: id))
            }
            replicas[shard]!.applied(through: last.lsn)
        }
        for (requestID, result) in output.answers {
            let reply: ClientReply.Answer =
                switch result {
                case .success(let outcome): .written(outcome)
                case .failure(let error): .failed(error)
                }
            answer(requestID, reply, &effects)
        }
        for need in output.requests { effects.send(.metaRequest(shard: shard, need), from: endpoint, to: .meta) }
        for learner in output.snapshotsToSend { sendSnapshot(shard, to: learner, &effects) }
        if output.newerEpochSeen != nil { requestMapSoon(&effects) }
    }

    func answer(_ requestID: UInt64, _ answer: ClientReply.Answer, _ effects: inout Effects) {
        guard let client = ClientRequestID.client(of: requestID) else { return }
        effects.send(.clientReply(ClientReply(requestID: requestID, answer: answer)), from: endpoint, to: .client(client))
    }

    /// A copy of the store at its applied LSN (which is the replica's applied point).
    private func sendSnapshot(_ shard: ShardID, to learner: DataNodeID, _ effects: inout Effects) {
        guard let destination = topology.endpoint(of: learner), let disk = disks[shard], let replica = replicas[shard] else { return }
        let snapshot = ShardSnapshot(shard: shard, epoch: replica.descriptor.epoch, appliedThrough: disk.storeApplied, store: disk.store)
        effects.send(.snapshot(snapshot), from: endpoint, to: destination)
    }
}
