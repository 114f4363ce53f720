import Foundation
import KeelClient
import KeelCluster
import KeelTypes
import Synchronization
import Testing

/// 3 meta + 3 data processes and a router on loopback (issue 5): a primary is killed
/// while clients write, writes resume through the new primary, and every acknowledged
/// write is readable afterwards with its value.
@Suite(.serialized) struct DataPlaneProcessTests {
    /// The same story for primary-backup and for the Raft baseline (whose "primary" is the
    /// group's leader, named in the map once it asks).
    @Test(arguments: ["primary-backup", "raft"])
    func killingAPrimaryLosesNoAcknowledgedWrite(replication: String) async throws {
        let cluster = try TestCluster(replicas: replication == "raft" ? 3 : 2, initialShards: 2) { $0.replication = replication }
        try await cluster.run {
            try await cluster.waitUntilReady()
            let acknowledged = Shared<[String: String]>([:])
            let stop = Shared(false)
            // Four writers, each with its own keys, write until told to stop.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        var sequence = 0
                        while !stop.withLock({ $0 }) {
                            sequence += 1
                            let key = "w\(writer)-\(sequence % 50)"
                            let value = "value-\(writer)-\(sequence)"
                            if (try? await cluster.client.put(key, Array(value.utf8))) != nil {
                                acknowledged.withLock { $0[key] = value }
                            }
                        }
                    }
                }
                try await cluster.eventually("some writes to be acknowledged") { acknowledged.withLock { $0.count } >= 100 }
                let map = try await cluster.map()
                let victim = try #require(map.shard(owning: Array("w0-1".utf8))?.primary)
                cluster.cluster.crash(victim.rawValue)
                let countAtCrash = acknowledged.withLock { $0.count }
                let writesAtCrash = acknowledged.withLock { $0 }
                try await cluster.eventually("a new primary for the victim's shards", timeout: .seconds(60)) {
                    try await cluster.map().shards.values.allSatisfy { $0.primary != victim }
                }
                // Writes resume: keys written after the failover get new values acknowledged.
                try await cluster.eventually("writes to resume", timeout: .seconds(60)) {
                    acknowledged.withLock { now in now.contains { writesAtCrash[$0.key] != $0.value } && now.count >= countAtCrash }
                }
                try await Task.sleep(for: .seconds(1))
                stop.withLock { $0 = true }
                try await group.waitForAll()
            }
            // Every acknowledged write is readable with its value (the last one acknowledged
            // per key; a later unacknowledged write may have replaced it, so allow that only
            // for values written after it by the same writer).
            for (key, value) in acknowledged.withLock({ $0 }) {
                let stored = try await cluster.client.get(key)
                let storedValue = stored.map { String(decoding: $0.value, as: UTF8.self) }
                #expect(storedValue.map { Self.sequence(of: $0) >= Self.sequence(of: value) } == true, "\(key): acknowledged \(value), read \(storedValue ?? "nothing")")
            }
        }
    }

    static func sequence(of value: String) -> Int { Int(value.split(separator: "-").last ?? "") ?? -1 }
}

/// A value shared between test tasks behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}

/// A data node restarted with the same --dir recovers its replicas from disk, rejoins and
/// catches up; once it is a backup again it can take over without losing anything.
@Suite(.serialized) struct DataNodeRestartProcessTests {
    @Test func aRestartedBackupCatchesUpAndCanTakeOver() async throws {
        let cluster = try TestCluster(initialShards: 1)
        try await cluster.run {
            try await cluster.waitUntilReady()
            for index in 0..<200 { _ = try await cluster.client.put("r/\(index)", Array("a\(index)".utf8)) }
            let shard = try #require(try await cluster.map().shards.values.first)
            let backup = try #require(shard.backups.first)
            cluster.cluster.crash(backup.rawValue)
            // Writes go on while it is down (the primary has it removed after its timeout).
            for index in 200..<400 { _ = try await cluster.client.put("r/\(index)", Array("b\(index)".utf8)) }
            try cluster.cluster.start(backup.rawValue)
            try await cluster.eventually("the restarted node to be a backup again", timeout: .seconds(90)) {
                try await cluster.map().shards.values.first?.backups.contains(backup) == true
            }
            for index in 400..<450 { _ = try await cluster.client.put("r/\(index)", Array("c\(index)".utf8)) }
            // Now the primary dies: the restarted node (or the other backup) takes over with everything.
            let primary = try #require(try await cluster.map().shards.values.first?.primary)
            cluster.cluster.crash(primary.rawValue)
            try await cluster.eventually("a new primary", timeout: .seconds(60)) {
                try await cluster.map().shards.values.first?.primary != primary
            }
            for index in 0..<450 {
                let expected = index < 200 ? "a\(index)" : index < 400 ? "b\(index)" : "c\(index)"
                #expect(try await cluster.client.get("r/\(index)")?.value == Array(expected.utf8), "r/\(index)")
            }
        }
    }

    @Test func aPrimaryRestartedBeforeFailoverRenewsItsEpochAndLosesNothing() async throws {
        let cluster = try TestCluster(initialShards: 1)
        try await cluster.run {
            try await cluster.waitUntilReady()
            for index in 0..<200 { _ = try await cluster.client.put("p/\(index)", Array("a\(index)".utf8)) }
            let before = try #require(try await cluster.map().shards.values.first)
            let primary = try #require(before.primary)
            // kill -9 and back at once: the meta group has no reason to fail it over, so the
            // node comes back as primary of the epoch it may already have written in.
            cluster.cluster.crash(primary.rawValue)
            try cluster.cluster.start(primary.rawValue)
            try await cluster.eventually("the shard to move to a later epoch", timeout: .seconds(60)) {
                try await (cluster.map().shards.values.first?.epoch.rawValue ?? 0) > before.epoch.rawValue
            }
            for index in 200..<300 { _ = try await cluster.client.put("p/\(index)", Array("b\(index)".utf8)) }
            for index in 0..<300 {
                let expected = index < 200 ? "a\(index)" : "b\(index)"
                #expect(try await cluster.client.get("p/\(index)")?.value == Array(expected.utf8), "p/\(index)")
            }
        }
    }

    /// Every data node killed at once and started again: the shards come back from their
    /// logs and stores (primary-backup: each restarted primary renews its epoch; Raft: the
    /// groups elect again) and nothing acknowledged is missing.
    @Test(arguments: ["primary-backup", "raft"])
    func restartingEveryDataNodeLosesNothing(replication: String) async throws {
        let cluster = try TestCluster(replicas: replication == "raft" ? 3 : 2, initialShards: 2) { $0.replication = replication }
        try await cluster.run {
            try await cluster.waitUntilReady()
            for index in 0..<300 { _ = try await cluster.client.put("all/\(index)", Array("v\(index)".utf8)) }
            let dataNodes = cluster.plan.data.map(\.name)
            for name in dataNodes { cluster.cluster.crash(name) }
            for name in dataNodes { try cluster.cluster.start(name) }
            try await cluster.eventually("writes to be taken again", timeout: .seconds(60)) {
                (try? await cluster.client.put("all/after", Array("x".utf8))) != nil
            }
            for index in 0..<300 {
                #expect(try await cluster.client.get("all/\(index)")?.value == Array("v\(index)".utf8), "all/\(index)")
            }
        }
    }
}
