import KeelReplication
import KeelSimulation
import KeelTypes

/// One shard replica's storage on one node: a replication log and the applied store.
///
/// * Log writes first land in `unsynced` (the page cache); an fsync makes everything
///   written before it started durable. At most one fsync is in flight (group commit).
/// * A crash loses the unsynced writes — or, sometimes, keeps a random prefix of them, as
///   an OS that flushed some pages on its own would — and any fsync in flight.
/// * Truncations and the store are durable at once: the store applies each committed
///   record atomically with its LSN, as the SQLite store does in one transaction.
struct ShardDisk: Sendable {
    /// The shard's key range (a restarted replica needs it before it hears the map).
    let range: KeyRange
    private(set) var durableLog: [ReplicationRecord] = []
    private var unsynced: [(write: UInt64, record: ReplicationRecord)] = []
    private var nextWrite: UInt64 = 0
    /// Writes up to this number are covered by the fsync in flight.
    private(set) var syncingThrough: UInt64?
    private(set) var store = ShardStoreImage()
    private(set) var storeApplied = LSN.zero

    init(range: KeyRange) { self.range = range }

    var hasUnsynced: Bool { !unsynced.isEmpty }

    /// The log records after `lsn`, durable or not.
    func records(after lsn: LSN) -> [ReplicationRecord] {
        durableLog.filter { $0.lsn > lsn } + unsynced.map(\.record).filter { $0.lsn > lsn }
    }

    /// Drops log records after `lsn`, durable or not.
    mutating func truncate(after lsn: LSN) {
        durableLog.removeAll { $0.lsn > lsn }
        unsynced.removeAll { $0.record.lsn > lsn }
    }

    mutating func write(_ records: [ReplicationRecord]) {
        for record in records {
            nextWrite += 1
            unsynced.append((nextWrite, record))
        }
    }

    /// Starts an fsync covering every write so far; false if one is already running or
    /// there is nothing to sync.
    mutating func beginSync() -> Bool {
        guard syncingThrough == nil, let last = unsynced.last else { return false }
        syncingThrough = last.write
        return true
    }

    /// The fsync in flight finished: the writes it covered are durable. Returns the LSN
    /// through which the log is now durable, if anything became durable.
    mutating func completeSync() -> LSN? {
        guard let through = syncingThrough else { return nil }
        syncingThrough = nil
        let covered = unsynced.prefix { $0.write <= through }
        guard !covered.isEmpty else { return nil }
        durableLog += covered.map(\.record)
        unsynced.removeFirst(covered.count)
        return durableLog.last?.lsn
    }

    /// Applies a committed record to the store.
    mutating func apply(_ record: ReplicationRecord) {
        guard record.lsn > storeApplied else { return }
        store.apply(record)
        storeApplied = record.lsn
    }

    /// Drops durable log records through `lsn` that the store already holds.
    mutating func trimLog(through lsn: LSN) {
        let cut = min(lsn, storeApplied)
        durableLog.removeAll { $0.lsn <= cut }
    }

    /// Replaces everything with a copy of another replica's store.
    mutating func install(_ snapshot: ShardSnapshot) {
        durableLog = []
        unsynced = []
        syncingThrough = nil
        store = snapshot.store
        storeApplied = snapshot.appliedThrough
    }

    /// The process died: unsynced writes are lost, except possibly a prefix of them.
    mutating func crash(random: inout SimRandom, partialSurvivalProbability: Double) {
        if random.chance(partialSurvivalProbability), !unsynced.isEmpty {
            let kept = Int(random.below(UInt64(unsynced.count) + 1))
            durableLog += unsynced.prefix(kept).map(\.record)
        }
        unsynced = []
        syncingThrough = nil
    }

    /// The LSN through which the log is durable (the store counts).
    var durableThrough: LSN { max(durableLog.last?.lsn ?? .zero, storeApplied) }

    /// Whether `record` is written here but not yet fsync'd.
    func holdsOnlyUnsynced(_ record: ReplicationRecord) -> Bool {
        !holdsDurably(record) && unsynced.contains { $0.record == record }
    }

    /// Whether `record` is durable here: in the store (applied) or in the durable log.
    func holdsDurably(_ record: ReplicationRecord) -> Bool {
        record.lsn <= storeApplied || durableLog.contains(record)
    }

    /// The records a restarting replica recovers: the durable log after the store's applied point.
    var recoveredLog: [ReplicationRecord] { durableLog.filter { $0.lsn > storeApplied } }
}
