import Dispatch
import Foundation
import KeelDataProtocol
import KeelReplication
import KeelStorage
import KeelTransport
import KeelTypes

/// One shard replica on this node: the pure replica core and what it runs on (its store
/// file and its replication log), plus the client requests waiting for it.
final class ShardHost {
    let id: ShardID
    var replica: ShardReplica
    var store: StoredShard
    let log: DurableLog
    /// Bumped by every log truncation or reset, so that a sync that completes afterwards
    /// cannot vouch for records written after it.
    var logGeneration = 0
    /// Highest LSN queued to the log in this generation.
    var queuedThrough: LSN
    /// Client write batches waiting for their answers, by the id of their first write.
    var waiting: [UInt64: WaitingBatch] = [:]
    /// Which batch each write id belongs to.
    var batchOf: [UInt64: UInt64] = [:]
    /// When this node stopped being a replica of the shard (it is deleted later).
    var retiredAt: MonotonicTime?
    /// A store copy is being pulled from the primary.
    var importing = false
    /// Store copies being sent to learners: (learner) → the export and the next chunk number.
    let exports = StoreExports()
    /// Applies committed records to the store, in order, off the loop: a store commit
    /// syncs to disk, and the loop must keep serving other shards meanwhile.
    let applier: DispatchQueue
    /// Apply jobs waiting for the applier; it takes them all at once into one transaction
    /// (group commit for the store, as the log has for appends).
    let applyJobs = ApplyJobs()
    let metrics: ShardMetrics
    /// Reads and writes served since the last heartbeat, for load statistics.
    var reads = 0
    var writes = 0

    struct WaitingBatch {
        var request: InboundRequest
        var results: [Result<WriteOutcome, KeelError>?]
        var firstID: UInt64
        var remaining: Int
    }

    init(id: ShardID, replica: ShardReplica, store: StoredShard, log: DurableLog) {
        self.id = id
        self.replica = replica
        self.store = store
        self.log = log
        self.queuedThrough = replica.lastLSN
        self.applier = DispatchQueue(label: "keel.apply.\(id.rawValue)")
        self.metrics = ShardMetrics(shard: id)
    }

    /// Records an answer; returns the batch's request and results once all are in.
    /// Mutates the waiting batch in place: copying it out per answer would make a batch of
    /// n writes cost O(n²).
    func answer(_ requestID: UInt64, _ result: Result<WriteOutcome, KeelError>) -> (InboundRequest, [Result<WriteOutcome, KeelError>])? {
        guard let first = batchOf.removeValue(forKey: requestID), let firstID = waiting[first]?.firstID else { return nil }
        let index = Int(requestID - firstID)
        let remaining: Int = {
            if waiting[first]!.results[index] == nil { waiting[first]!.remaining -= 1 }
            waiting[first]!.results[index] = result
            return waiting[first]!.remaining
        }()
        guard remaining == 0, let batch = waiting.removeValue(forKey: first) else { return nil }
        return (batch.request, batch.results.map { $0 ?? .failure(KeelError(.internalError, "no answer", maybeApplied: true)) })
    }
}

/// Committed records and the answers that wait for them, queued for a shard's applier.
final class ApplyJobs: @unchecked Sendable {
    typealias Job = (records: [ReplicationRecord], answers: [(requestID: UInt64, result: Result<WriteOutcome, KeelError>)])
    private let lock = NSLock()
    private var jobs: [Job] = []
    private var draining = false

    /// Queues a job; returns true if the caller must start a drain.
    func add(_ job: Job) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        jobs.append(job)
        if draining { return false }
        draining = true
        return true
    }

    /// Everything queued so far, or nil (and the drain ends) when nothing is left.
    func takeAll() -> [Job]? {
        lock.lock()
        defer { lock.unlock() }
        guard !jobs.isEmpty else {
            draining = false
            return nil
        }
        defer { jobs = [] }
        return jobs
    }
}

/// The replication log's records as stored in a `DurableLog`: index = LSN, payload = the
/// record's wire encoding.
enum ReplicationLogCodec {
    static func payload(_ record: ReplicationRecord) -> [UInt8] { record.wireEncoded() }

    static func record(_ payload: [UInt8]) throws(StorageError) -> ReplicationRecord {
        do {
            return try ReplicationRecord(wireEncoded: payload)
        } catch {
            throw StorageError(.corruptLog, "undecodable replication record: \(error)")
        }
    }

    /// Every record after `applied`.
    static func load(_ log: DurableLog, after applied: LSN) throws(StorageError) -> [ReplicationRecord] {
        var records: [ReplicationRecord] = []
        var next = LogIndex(applied.rawValue + 1)
        guard log.lastIndex >= next else { return [] }
        if log.firstIndex > next {
            throw StorageError(.logGap, "the replication log starts at \(log.firstIndex) but the store has applied only \(applied)")
        }
        while next <= log.lastIndex {
            let batch = try log.read(from: next, maxBytes: 16 << 20)
            for entry in batch { records.append(try record(entry.payload)) }
            next = LogIndex(next.rawValue + UInt64(batch.count))
        }
        return records
    }
}

extension StorageError {
    /// The client-visible form of a storage failure.
    var keelError: KeelError {
        switch code {
        case .diskFull: KeelError(.diskFull, message, maybeApplied: true)
        case .corruptValue, .corruptLog, .corruptStore, .corruptHardState: KeelError(.corruptData, message, maybeApplied: true)
        default: KeelError(.internalError, "\(code): \(message)", maybeApplied: true)
        }
    }
}
