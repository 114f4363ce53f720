import KeelTypes

/// Chooses nodes for new replicas: healthy nodes that do not already hold the shard,
/// spread over zones (a zone the shard already uses comes last), least loaded first, ties
/// broken by id so that every member would choose the same.
public struct Placement: Sendable {
    /// Replicas and primaries per node: from the map, plus what this planner has placed.
    private(set) var load: [DataNodeID: Int] = [:]
    private(set) var primaries: [DataNodeID: Int] = [:]
    let map: ClusterMap

    public init(map: ClusterMap) {
        self.map = map
        for shard in map.shards.values {
            for node in shard.allReplicas { load[node, default: 0] += 1 }
            if let primary = shard.primary { primaries[primary, default: 0] += 1 }
        }
    }

    /// Counts replicas placed by a decision, so the next decision in the same round sees them.
    public mutating func record(primary: DataNodeID?, others: [DataNodeID]) {
        if let primary {
            load[primary, default: 0] += 1
            primaries[primary, default: 0] += 1
        }
        for node in others { load[node, default: 0] += 1 }
    }

    /// Of `candidates`, the one that leads the fewest shards (ties: the first).
    public func leastLeading(_ candidates: [DataNodeID]) -> DataNodeID? {
        candidates.min { (primaries[$0, default: 0], $0) < (primaries[$1, default: 0], $1) }
    }

    /// Up to `count` nodes for new replicas of a shard whose replicas are `current`.
    public func choose(_ count: Int, excluding current: [DataNodeID], preferring preferred: Set<DataNodeID> = []) -> [DataNodeID] {
        var usedZones = Set(current.compactMap { map.nodes[$0]?.zone })
        var chosen: [DataNodeID] = []
        var candidates = map.nodes.values.filter { $0.state.acceptsReplicas && !current.contains($0.id) }
        while chosen.count < count, !candidates.isEmpty {
            candidates.sort { a, b in
                let key = { (node: DataNodeRecord) in
                    (preferred.contains(node.id) ? 0 : 1, usedZones.contains(node.zone) ? 1 : 0, load[node.id, default: 0])
                }
                let (ka, kb) = (key(a), key(b))
                if ka != kb { return ka < kb }
                return a.id < b.id
            }
            let next = candidates.removeFirst()
            chosen.append(next.id)
            usedZones.insert(next.zone)
        }
        return chosen
    }
}
