import Foundation
import KeelCluster
import KeelReplication
import KeelStorage
import KeelTypes

/// Everything the data node's loop owns.
struct DataNodeState {
    let configuration: DataNodeConfiguration
    let store: ShardStore
    var view = ClusterView()
    var hosts: [ShardID: ShardHost] = [:]
    /// The Raft baseline's shards (`--replication raft`), opened when the map names them.
    var raftShards: [ShardID: RaftShard] = [:]
    var nextRequestID: UInt64 = 1
    var lastHeartbeat = MonotonicTime.zero
    var heartbeatInFlight = false

    init(configuration: DataNodeConfiguration, store: ShardStore) {
        self.configuration = configuration
        self.store = store
    }

    func logDirectory(_ shard: ShardID) -> String { configuration.directory + "/logs/\(shard.rawValue)" }

    /// Where a Raft baseline shard keeps its Raft log and hard state.
    func raftDirectory(_ shard: ShardID) -> String { configuration.directory + "/raft/\(shard.rawValue)" }

    /// Reopens every replica found on disk; configurations arrive with the map.
    mutating func recover() throws {
        for id in store.shardIDs where !FileManager.default.fileExists(atPath: raftDirectory(id)) {
            // (A Raft baseline shard is reopened when the map arrives: see RaftShard.)
            let stored = try store.shard(id)
            if try stored.isImporting {
                // An interrupted store copy is worthless: start over when the map says so.
                try store.dropShard(id)
                try? FileManager.default.removeItem(atPath: logDirectory(id))
                continue
            }
            hosts[id] = try openHost(id, store: stored, range: try stored.range)
        }
    }

    /// Opens the log of a shard whose store is `store` and builds its replica core.
    func openHost(_ id: ShardID, store: StoredShard, range: KeyRange) throws -> ShardHost {
        let log = try DurableLog(directory: logDirectory(id))
        let applied = LSN(try store.appliedPosition.index.rawValue)
        let records = try ReplicationLogCodec.load(log, after: applied)
        let placeholder = ShardDescriptor(id: id, range: range, epoch: .zero, primary: nil)
        var config = configuration.replica
        config.minInsync = view.settings.minInsync
        let replica = ShardReplica(node: configuration.id, descriptor: placeholder, config: config, applied: applied, log: records)
        return ShardHost(id: id, replica: replica, store: store, log: log)
    }

    func closeAll() {
        for host in hosts.values {
            host.log.close()
            host.exports.closeAll()
        }
        for shard in raftShards.values {
            shard.failPending("the data node is shutting down")
            shard.storage.close()
        }
    }

    mutating func takeRequestIDs(_ count: Int) -> UInt64 {
        defer { nextRequestID += UInt64(count) }
        return nextRequestID
    }
}
