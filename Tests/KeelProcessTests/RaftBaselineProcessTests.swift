import Foundation
import KeelCluster
import KeelDataProtocol
import KeelTransport
import KeelTypes
import Testing

/// The Raft baseline's log compaction: a member that was away while the leader compacted
/// past what it had catches up by copying the leader's store, then follows the log.
@Suite(.serialized) struct RaftBaselineProcessTests {
    @Test func aMemberBehindTheCompactedLogCopiesTheLeadersStore() async throws {
        let cluster = try TestCluster(replicas: 3, initialShards: 1) { options in
            options.replication = "raft"
            options.extraDataArguments = ["--raft-compact-every", "40"]
        }
        try await cluster.run {
            try await cluster.waitUntilReady()
            for index in 0..<50 { _ = try await cluster.client.put("c/\(index)", Array("a\(index)".utf8)) }
            let shard = try #require(try await cluster.map().shards.values.first)
            let follower = try #require(shard.backups.first)
            cluster.cluster.crash(follower.rawValue)
            // Single writes: one entry each, so the leader compacts several times.
            for index in 50..<300 { _ = try await cluster.client.put("c/\(index)", Array("b\(index)".utf8)) }
            try cluster.cluster.start(follower.rawValue)

            let address = try #require(try await cluster.map().nodes[follower]?.address)
            let peer = PeerAddress(host: address.host, port: address.port)
            // The returning member serves every key from its own store (a stale read asks
            // it alone).
            try await cluster.eventually("the returning member to hold the last write", timeout: .seconds(60)) {
                try await Self.staleRead("c/299", shard: shard.id, from: peer, over: cluster.metaTransport) == Array("b299".utf8)
            }
            for index in 0..<300 {
                let expected = Array((index < 50 ? "a\(index)" : "b\(index)").utf8)
                let value = try await Self.staleRead("c/\(index)", shard: shard.id, from: peer, over: cluster.metaTransport)
                #expect(value == expected, "c/\(index) on the returning member")
            }
            let log = try String(contentsOfFile: cluster.directory + "/\(follower.rawValue)/keel.log", encoding: .utf8)
            #expect(log.contains("raft store copy installed"), "the member caught up by a store copy, not from the log")
        }
    }

    static func staleRead(_ key: String, shard: ShardID, from peer: PeerAddress, over transport: PeerTransport) async throws -> [UInt8]? {
        let response = try await transport.request(
            DataRequest.get(shard: shard, key: Array(key.utf8), consistency: .stale), to: peer, timeout: .seconds(5), expecting: DataResponse.self)
        guard case .value(let value) = response else { return nil }
        return value?.value
    }
}
