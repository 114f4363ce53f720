import KeelTypes

extension ClusterMap {
    /// A broken invariant: what and where.
    public struct Violation: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Checks the map's own invariants: shard ranges tile the key space exactly (no gap, no
    /// overlap), every shard's replica set is well formed and names live registered nodes,
    /// and no id was handed out twice. Tests and the simulator call it after every step.
    public func checkInvariants() -> [Violation] {
        var violations: [Violation] = []
        func fail(_ text: String) { violations.append(Violation(description: text)) }
        guard isBootstrapped else {
            if !shards.isEmpty { fail("shards exist before bootstrap") }
            return violations
        }
        let ordered = shardsInKeyOrder
        if ordered.first?.range.start != [] { fail("the key space does not start at the empty key") }
        if let last = ordered.last, last.range.end != nil { fail("the last shard \(last.id) does not reach the end of the key space") }
        for (left, right) in zip(ordered, ordered.dropFirst()) where left.range.end != right.range.start {
            fail("shards \(left.id) \(left.range) and \(right.id) \(right.range) do not meet: a gap or an overlap")
        }
        for shard in ordered {
            let replicas = shard.allReplicas
            if Set(replicas).count != replicas.count { fail("shard \(shard.id) lists a node twice") }
            if shard.primary == nil && !replicas.isEmpty { fail("shard \(shard.id) has replicas but no primary") }
            if shard.epoch < Epoch(1) { fail("shard \(shard.id) has epoch 0") }
            if shard.id.rawValue >= nextShardID { fail("shard \(shard.id) is not below the next id \(nextShardID)") }
            for node in replicas where nodes[node] == nil || nodes[node]?.state == .removed {
                fail("shard \(shard.id) names node \(node), which is not registered")
            }
        }
        return violations
    }

    /// Checks what may change between two versions of the map: the version grows with
    /// every change, and no surviving shard's epoch goes back.
    public func checkTransition(from old: ClusterMap) -> [Violation] {
        var violations: [Violation] = []
        if version < old.version { violations.append(Violation(description: "version went back from \(old.version) to \(version)")) }
        for (id, shard) in shards {
            if let before = old.shards[id], shard.epoch < before.epoch {
                violations.append(Violation(description: "shard \(id) epoch went back from \(before.epoch) to \(shard.epoch)"))
            }
            if let before = old.shards[id], shard != before, shard.epoch == before.epoch {
                violations.append(Violation(description: "shard \(id) changed without a new epoch"))
            }
        }
        return violations
    }
}
