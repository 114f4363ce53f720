import KeelReplication
import KeelTypes

extension SimDataNode {
    /// Serves a client request: linearizable reads from the store, only while the replica
    /// may serve (`servingError` is nil); writes go to the replica, which answers when they
    /// commit (or refuses them at once). Writes are sealed into a record after `flushDelay`,
    /// so writes arriving together share one record and one fsync.
    mutating func serve(_ request: ClientRequest, at real: SimInstant, _ effects: inout Effects) {
        let key = request.operation.key
        guard let shard = replicas.keys.sorted().first(where: { replicas[$0]!.descriptor.range.contains(key) }) else {
            answer(request.requestID, .failed(KeelError(.notPrimary, "\(id) holds no replica for this key")), &effects)
            return
        }
        let local = now(real)
        switch request.operation {
        case .get(let key):
            if let error = replicas[shard]!.servingError(now: local) {
                answer(request.requestID, .failed(error), &effects)
                return
            }
            guard let entry = disks[shard]!.store[key] else {
                answer(request.requestID, .absent, &effects)
                return
            }
            answer(request.requestID, .value(VersionedValue(value: entry.value, version: entry.version, shard: shard)), &effects)
        case .write(let mutation):
            let stored = disks[shard]!.store[mutation.key]?.version ?? .absent
            let write = ClientWrite(requestID: request.requestID, mutation: mutation, storedVersion: stored)
            let uncommitted = replicas[shard]!.pendingVersion(of: mutation.key) != nil
            let output = replicas[shard]!.submit([write], now: local)
            if uncommitted, output.answers.contains(where: { Self.isConditionFailure($0.result) }) {
                effects.notices.append(.answeredFromUncommittedState(key: mutation.key))
            }
            carryOut(output, shard: shard, at: real, &effects)
            scheduleFlush(shard, &effects)
        }
    }

    static func isConditionFailure(_ result: Result<WriteOutcome, KeelError>) -> Bool {
        guard case .failure(let error) = result else { return false }
        return error.code == .versionMismatch || error.code == .notFound
    }

    /// Shards this node would let serve linearizable requests at `real`, with their epochs.
    func servingShards(at real: SimInstant) -> [(shard: ShardID, epoch: Epoch)] {
        guard up else { return [] }
        let local = now(real)
        return replicas.keys.sorted().compactMap { shard in
            let replica = replicas[shard]!
            guard replica.role == .primary, replica.servingError(now: local) == nil else { return nil }
            return (shard, replica.descriptor.epoch)
        }
    }
}

extension ClientRequest.Operation {
    var key: [UInt8] {
        switch self {
        case .write(let mutation): mutation.key
        case .get(let key): key
        }
    }
}
