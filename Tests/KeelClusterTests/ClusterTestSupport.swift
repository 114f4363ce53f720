import KeelCluster
import KeelTypes
import Testing


extension ClusterMap {
    /// A bootstrapped map with `nodes` data nodes (zones a, b, c) and `shards` shards.
    static func fixture(nodes: Int = 3, shards: Int = 2, settings: ClusterSettings = ClusterSettings()) throws -> ClusterMap {
        var map = ClusterMap()
        try map.mustApply(.bootstrap(settings: settings, initialShards: shards))
        for index in 1...max(nodes, 1) where nodes > 0 {
            try map.mustApply(.registerNode(
                id: DataNodeID("n\(index)"), address: HostPort(host: "127.0.0.1", port: 7000 + index),
                zone: ["a", "b", "c"][(index - 1) % 3]))
        }
        return map
    }

    mutating func mustApply(_ command: MetaCommand, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = apply(command)
        if case .failure(let error) = result { Issue.record("\(command.name) rejected: \(error)", sourceLocation: sourceLocation) }
        _ = try result.get()
        #expect(checkInvariants().isEmpty, "\(checkInvariants())", sourceLocation: sourceLocation)
    }

    func shard(_ id: UInt64) -> ShardDescriptor { shards[ShardID(id)]! }
}

func ms(_ value: UInt64) -> MonotonicTime { MonotonicTime(nanoseconds: value * 1_000_000) }
