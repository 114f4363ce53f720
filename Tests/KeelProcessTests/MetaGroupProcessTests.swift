import Foundation
import KeelCluster
import KeelLocalCluster
import KeelMetaClient
import KeelTypes
import Testing

/// Three real `keel meta` processes on loopback (issue 4).
@Suite(.serialized) struct MetaGroupProcessTests {
    func leaderName(_ cluster: TestCluster) async throws -> String? {
        let members = try await cluster.members()
        return members.leader.map { "meta-\($0)" }
    }

    @Test func survivesTheLossOfTheLeaderAndAFullRestart() async throws {
        let cluster = try TestCluster(dataNodes: 0)
        try await cluster.run {
            try await cluster.eventually("a meta leader and a bootstrapped map") { try await cluster.map().isBootstrapped }
            // Commit changes through the leader: three registered (fictitious) data nodes.
            for index in 1...3 {
                let reply = try await cluster.meta.call(.register(
                    id: DataNodeID("ghost-\(index)"), address: HostPort(host: "127.0.0.1", port: 1 + index), zone: "z"))
                guard case .applied = reply else { throw LocalClusterError("registration not applied: \(reply)") }
            }
            let before = try await cluster.map()
            #expect(before.nodes.count == 3)

            // kill -9 the leader: a new one is elected and nothing committed is lost.
            let leader = try #require(try await leaderName(cluster))
            cluster.cluster.crash(leader)
            try await cluster.eventually("a new leader", timeout: .seconds(30)) {
                guard let now = try await leaderName(cluster) else { return false }
                return now != leader
            }
            let afterFailover = try await cluster.map()
            #expect(afterFailover.nodes.keys.sorted() == before.nodes.keys.sorted())
            #expect(afterFailover.version >= before.version)
            _ = try await cluster.meta.call(.register(id: "ghost-4", address: HostPort(host: "127.0.0.1", port: 9), zone: "z"))

            // Restart every member: the map is intact.
            try cluster.cluster.start(leader)
            await cluster.cluster.stop(grace: .seconds(5))
            for member in cluster.plan.meta { try cluster.cluster.start(member.name) }
            try await cluster.eventually("the restarted group to serve the map", timeout: .seconds(30)) {
                try await cluster.map().nodes.count == 4
            }
            let restarted = try await cluster.map()
            // Everything committed before is there (the leader may have decided more since).
            #expect(restarted.version > afterFailover.version)
            #expect(Set(restarted.shards.keys) == Set(afterFailover.shards.keys))
            #expect(restarted.shards.allSatisfy { $0.value.epoch >= afterFailover.shards[$0.key]!.epoch })
            #expect(restarted.checkInvariants().isEmpty)
        }
    }

    @Test func addsAndRemovesAMember() async throws {
        let cluster = try TestCluster(dataNodes: 0)
        try cluster.start()
        let port = try FreePorts.allocate(1)[0]
        let joiner = try ChildProcess(
            name: "meta-4", executable: try TestCluster.keelBinary(),
            arguments: ["meta", "--id", "4", "--listen", "127.0.0.1:\(port)", "--peers",
                        cluster.plan.meta.enumerated().map { "\($0.offset + 1)=\($0.element.listen)" }.joined(separator: ",") + ",4=127.0.0.1:\(port)",
                        "--dir", cluster.directory + "/meta-4", "--join"],
            folder: cluster.directory + "/meta-4")
        do {
            try await cluster.eventually("a meta leader") { try await cluster.members().leader != nil }
            try joiner.start()
            let added = try await cluster.meta.call(.addMember(id: 4, address: HostPort(host: "127.0.0.1", port: port)))
            #expect(added == .ok)
            try await cluster.eventually("member 4 to be promoted to voter") {
                try await cluster.members().members.contains { $0.id == 4 && $0.role == "voter" }
            }
            let removed = try await cluster.meta.call(.removeMember(id: 4))
            #expect(removed == .ok)
            try await cluster.eventually("member 4 to be gone") {
                try await !cluster.members().members.contains { $0.id == 4 }
            }
        } catch {
            joiner.crash()
            await cluster.shutdown()
            throw error
        }
        joiner.crash()
        await cluster.shutdown()
    }
}
