import KeelTypes

extension ClusterMap {
    /// Applies one command: on success the map has changed and the changes are returned;
    /// on failure the map is exactly as before. Deterministic: the same map and command
    /// give the same result on every member.
    public mutating func apply(_ command: MetaCommand) -> Result<VersionedChanges, ClusterError> {
        var copy = self
        do {
            let changes = try copy.applyValidated(command)
            copy.bumpVersion()
            self = copy
            return .success(VersionedChanges(version: version, changes: changes))
        } catch {
            return .failure(error)
        }
    }

    private mutating func applyValidated(_ command: MetaCommand) throws(ClusterError) -> [ClusterChange] {
        let before = self
        if case .bootstrap(let settings, let initialShards) = command {
            return try bootstrap(settings: settings, initialShards: initialShards)
        }
        guard isBootstrapped else { throw ClusterError(.notBootstrapped, "the cluster has not been bootstrapped yet") }
        switch command {
        case .bootstrap: fatalError("handled above")
        case .registerNode(let id, let address, let zone): return try registerNode(id, address, zone)
        case .setNodeState(let id, let state): return try setNodeState(id, state)
        case .updateSettings(let settings): return try updateSettings(settings)
        case .placeShard(let id, let epoch, let primary, let backups):
            return try reconfigure(id, epoch) { shard throws(ClusterError) in
                guard shard.allReplicas.isEmpty else {
                    throw ClusterError(.invalidReplicaSet, "shard \(id) already has replicas; use add_learner")
                }
                shard.primary = primary
                shard.backups = backups
                try before.requirePlaceable([primary] + backups)
            }
        case .failover(let id, let epoch, let newPrimary):
            return try reconfigure(id, epoch) { shard throws(ClusterError) in
                guard shard.backups.contains(newPrimary) else {
                    throw ClusterError(.invalidReplicaSet, "\(newPrimary) is not a backup of shard \(id): only a member of the current configuration may take over")
                }
                shard.backups.removeAll { $0 == newPrimary }
                shard.primary = newPrimary
            }
        case .transferPrimary(let id, let epoch, let target):
            return try reconfigure(id, epoch) { shard throws(ClusterError) in
                guard shard.backups.contains(target), let old = shard.primary else {
                    throw ClusterError(.invalidReplicaSet, "\(target) is not a backup of shard \(id)")
                }
                shard.backups.removeAll { $0 == target }
                shard.backups.append(old)
                shard.primary = target
            }
        case .renewEpoch(let id, let epoch, let primary):
            return try reconfigure(id, epoch) { shard throws(ClusterError) in
                guard shard.primary == primary else {
                    throw ClusterError(.invalidReplicaSet, "\(primary) is not the primary of shard \(id)")
                }
            }
        case .removeReplica(let id, let epoch, let node):
            return try reconfigure(id, epoch) { shard throws(ClusterError) in
                guard shard.backups.contains(node) || shard.learners.contains(node) else {
                    throw ClusterError(.invalidReplicaSet, "\(node) is not a backup or learner of shard \(id) (a primary is replaced by failover)")
                }
                shard.backups.removeAll { $0 == node }
                shard.learners.removeAll { $0 == node }
            }
        case .addLearner(let id, let epoch, let node):
            return try reconfigure(id, epoch) { shard throws(ClusterError) in
                guard !shard.allReplicas.contains(node) else {
                    throw ClusterError(.invalidReplicaSet, "\(node) already holds shard \(id)")
                }
                guard shard.primary != nil else {
                    throw ClusterError(.invalidReplicaSet, "shard \(id) has no primary to copy from; use place_shard")
                }
                try before.requirePlaceable([node])
                shard.learners.append(node)
            }
        case .promoteLearner(let id, let epoch, let node):
            return try reconfigure(id, epoch) { shard throws(ClusterError) in
                guard shard.learners.contains(node) else {
                    throw ClusterError(.invalidReplicaSet, "\(node) is not a learner of shard \(id)")
                }
                shard.learners.removeAll { $0 == node }
                shard.backups.append(node)
            }
        case .splitShard(let id, let epoch, let key): return try split(id, epoch, at: key)
        case .mergeShards(let left, let leftEpoch, let right, let rightEpoch):
            return try merge(left, leftEpoch, right, rightEpoch)
        }
    }

    private mutating func bootstrap(settings: ClusterSettings, initialShards: Int) throws(ClusterError) -> [ClusterChange] {
        guard !isBootstrapped else { throw ClusterError(.alreadyBootstrapped, "the cluster already exists") }
        try settings.validate()
        guard (1...256).contains(initialShards) else {
            throw ClusterError(.invalidSplit, "initial shards must be 1 to 256 (the first byte is split evenly)")
        }
        markBootstrapped(settings)
        var changes: [ClusterChange] = [.settings(settings)]
        let starts = Self.evenFirstByteSplits(initialShards)
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1] : nil
            let shard = ShardDescriptor(
                id: takeShardID(), range: KeyRange(start: start, end: end), epoch: Epoch(1), primary: nil)
            setShard(shard)
            changes.append(.shard(shard))
        }
        return changes
    }

    /// Range starts that split the first byte's 256 values into `count` even parts.
    static func evenFirstByteSplits(_ count: Int) -> [[UInt8]] {
        (0..<count).map { index in index == 0 ? [] : [UInt8(index * 256 / count)] }
    }

    private mutating func registerNode(_ id: DataNodeID, _ address: HostPort, _ zone: String) throws(ClusterError) -> [ClusterChange] {
        guard !id.rawValue.isEmpty, id.rawValue.utf8.count <= 128 else {
            throw ClusterError(.unknownNode, "node ids are 1 to 128 bytes")
        }
        if let existing = nodes[id], existing.state == .removed {
            throw ClusterError(.invalidNodeState, "node \(id) was removed; its id cannot be reused")
        }
        if let other = nodes.values.first(where: { $0.id != id && $0.address == address && $0.state != .removed }) {
            throw ClusterError(.addressInUse, "\(address) is registered to node \(other.id)")
        }
        var record = nodes[id] ?? DataNodeRecord(id: id, address: address, zone: zone)
        record.address = address
        record.zone = zone
        if record.state != .draining { record.state = .up }
        setNode(record)
        return [.node(record)]
    }

    private mutating func setNodeState(_ id: DataNodeID, _ state: NodeState) throws(ClusterError) -> [ClusterChange] {
        guard var record = nodes[id] else { throw ClusterError(.unknownNode, "no node \(id)") }
        guard record.state != .removed else { throw ClusterError(.invalidNodeState, "node \(id) was removed") }
        if state == .removed, !shards(on: id).isEmpty {
            throw ClusterError(.invalidNodeState, "node \(id) still holds \(shards(on: id).count) replicas: drain it first")
        }
        record.state = state
        setNode(record)
        return [.node(record)]
    }

    private mutating func updateSettings(_ new: ClusterSettings) throws(ClusterError) -> [ClusterChange] {
        try new.validate()
        guard new.replication == settings.replication else {
            throw ClusterError(.invalidSettings, "the replication mode is chosen when the cluster is created")
        }
        setSettings(new)
        return [.settings(new)]
    }

    /// Runs `change` on a copy of the shard after the epoch check, validates the result,
    /// and stores it with the next epoch.
    private mutating func reconfigure(
        _ id: ShardID, _ expectedEpoch: Epoch, _ change: (inout ShardDescriptor) throws(ClusterError) -> Void
    ) throws(ClusterError) -> [ClusterChange] {
        let shard = try reconfigured(id, expectedEpoch, change)
        setShard(shard)
        return [.shard(shard)]
    }

    private func reconfigured(
        _ id: ShardID, _ expectedEpoch: Epoch, _ change: (inout ShardDescriptor) throws(ClusterError) -> Void
    ) throws(ClusterError) -> ShardDescriptor {
        var shard = try shard(id, at: expectedEpoch)
        try change(&shard)
        try validateReplicas(shard)
        shard.epoch = shard.epoch.next
        return shard
    }

    private func shard(_ id: ShardID, at expectedEpoch: Epoch) throws(ClusterError) -> ShardDescriptor {
        guard let shard = shards[id] else { throw ClusterError(.unknownShard, "no shard \(id)") }
        guard shard.epoch == expectedEpoch else {
            throw ClusterError(.staleEpoch, "shard \(id) is at \(shard.epoch), not \(expectedEpoch)")
        }
        return shard
    }

    private func validateReplicas(_ shard: ShardDescriptor) throws(ClusterError) {
        let replicas = shard.allReplicas
        guard Set(replicas).count == replicas.count else {
            throw ClusterError(.invalidReplicaSet, "a node appears twice in shard \(shard.id)")
        }
        for node in replicas where nodes[node] == nil || nodes[node]?.state == .removed {
            throw ClusterError(.unknownNode, "no node \(node)")
        }
        guard shard.primary != nil || replicas.isEmpty else {
            throw ClusterError(.invalidReplicaSet, "shard \(shard.id) would have replicas but no primary")
        }
    }

    private func requirePlaceable(_ candidates: [DataNodeID]) throws(ClusterError) {
        for node in candidates {
            guard let record = nodes[node] else { throw ClusterError(.unknownNode, "no node \(node)") }
            guard record.state.acceptsReplicas else {
                throw ClusterError(.nodeUnavailable, "node \(node) is \(record.state) and takes no new replicas")
            }
        }
    }

    private mutating func split(_ id: ShardID, _ epoch: Epoch, at key: [UInt8]) throws(ClusterError) -> [ClusterChange] {
        var left = try shard(id, at: epoch)
        guard let halves = left.range.split(at: key) else {
            throw ClusterError(.invalidSplit, "the split key must lie strictly inside \(left.range)")
        }
        left.range = halves.left
        left.epoch = left.epoch.next
        var right = left
        right.id = takeShardID()
        right.range = halves.right
        setShard(left)
        setShard(right)
        return [.shard(left), .shard(right)]
    }

    private mutating func merge(
        _ leftID: ShardID, _ leftEpoch: Epoch, _ rightID: ShardID, _ rightEpoch: Epoch
    ) throws(ClusterError) -> [ClusterChange] {
        var left = try shard(leftID, at: leftEpoch)
        let right = try shard(rightID, at: rightEpoch)
        guard left.range.end == right.range.start, left.range.end != nil else {
            throw ClusterError(.invalidMerge, "shard \(rightID) does not start where shard \(leftID) ends")
        }
        guard left.primary == right.primary, Set(left.backups) == Set(right.backups), Set(left.learners) == Set(right.learners)
        else {
            throw ClusterError(.invalidMerge, "shards \(leftID) and \(rightID) must have the same replicas (move them together first)")
        }
        left.range = KeyRange(start: left.range.start, end: right.range.end)
        left.epoch = Epoch(max(left.epoch.rawValue, right.epoch.rawValue) + 1)
        setShard(left)
        removeShard(rightID)
        return [.shardRetired(rightID), .shard(left)]
    }
}
