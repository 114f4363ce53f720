/// An append-only, crash-safe log of opaque records with contiguous indexes: the durable
/// log under Raft and primary-backup replication.
///
/// Guarantees:
/// * **Durable acknowledgements.** An append, truncation, reset or hard-state save
///   completes only after its data was synced (`fdatasync`); a record whose append
///   completed survives any crash.
/// * **Group commit.** All writing happens on one dedicated thread. Appends queued while
///   the previous sync runs are written together with one `write` and one sync, so under
///   concurrency appends per second far exceed syncs per second. Async callers suspend
///   (never block a cooperative-pool thread); `blocking` serves callers on their own thread.
/// * **Torn tails are repaired, corruption is reported.** Opening cuts off a damaged
///   record at the end of the last segment (an interrupted write that was never
///   acknowledged, see `recovery`); damage anywhere else is `corrupt_log`, a missing
///   segment is `log_gap`. Reads verify every record's checksum.
/// * **Bounded memory.** Queued bytes are bounded by `Options.maxQueuedBytes`; the log
///   keeps one file offset (8 bytes) per record in memory.
///
/// The on-disk format is documented in docs/storage.md. One process at a time may open a
/// directory (`locked` otherwise).
public final class DurableLog: Sendable {
    let core: LogCore
    /// What opening the log repaired.
    public let recovery: RecoveryReport

    /// Opens the log in `directory`, creating the directory and an empty log if needed,
    /// and validates every record (cutting off a torn tail, see `recovery`).
    public init(directory: String, options: Options = Options()) throws(StorageError) {
        precondition(options.maxBatchBytes > 0 && options.maxQueuedBytes > 0 && options.maxRecordBytes > 0, "log limits must be positive")
        precondition(options.maxRecordBytes <= Int(UInt32.max) - LogFormat.recordHeaderBytes, "records are at most 4 GiB")
        try FileSystem.makeDirectory(directory)
        let lock = try DirectoryLock(directory: directory)
        var removed: [String] = []
        var firsts: [LogIndex] = []
        for name in try FileSystem.list(directory) {
            if name.hasSuffix(LogFormat.temporarySuffix) {
                try FileSystem.remove(directory + "/" + name)
                removed.append(name)
            } else if let first = LogFormat.firstIndex(ofSegmentNamed: name) {
                firsts.append(first)
            }
        }
        firsts.sort()
        var segments: [Segment] = []
        var tornTail: RecoveryReport.TornTail?
        for (position, first) in firsts.enumerated() {
            let path = directory + "/" + LogFormat.segmentName(first)
            if let previous = segments.last, previous.last.next != first {
                throw StorageError(.logGap, "segment starts at \(first) but the previous segment ends at \(previous.last)", path: path)
            }
            let (segment, repair) = try Segment.recover(
                path: path, expectedFirst: first, isLast: position == firsts.count - 1,
                maxRecordBytes: options.maxRecordBytes, faults: options.faults)
            if let repair {
                tornTail = RecoveryReport.TornTail(path: path, offset: repair.offset, discardedBytes: repair.discardedBytes, reason: repair.reason)
            }
            segments.append(segment)
        }
        let hardStateFile = try HardStateFile.open(in: directory, faults: options.faults)
        recovery = RecoveryReport(tornTail: tornTail, removedTemporaryFiles: removed)
        core = LogCore(directory: directory, options: options, segments: segments, hardStateFile: hardStateFile, lock: lock)
    }

    deinit { core.shutdown() }

    /// Finishes queued work, stops the writer thread and releases the directory. Further
    /// calls fail with `closed`. Closing twice is harmless.
    public func close() { core.shutdown() }

    /// The index of the first stored record (the next index when the log is empty).
    public var firstIndex: LogIndex { core.monitor.withLock { core.firstIndexLocked } }

    /// The index of the last durable record (`firstIndex - 1` when the log is empty).
    public var lastIndex: LogIndex { core.monitor.withLock { core.lastIndexLocked } }

    /// The last saved hard state, or nil if none was ever saved.
    public var hardState: [UInt8]? { core.monitor.withLock { core.hardState } }

    /// Number of segment files and their total size, for metrics.
    public var footprint: (segments: Int, bytes: UInt64) {
        core.monitor.withLock { (core.segments.count, core.segments.reduce(0) { $0 + $1.end }) }
    }

    // MARK: Reading

    /// Reads durable records starting at `from`: at most `maxCount` records and, beyond the
    /// first, at most `maxBytes` bytes of records. Reading at `lastIndex + 1` returns none.
    /// Throws `log_compacted` below `firstIndex`, `index_out_of_range` past the end, and
    /// `corrupt_log` if a record fails its checksum.
    public func read(from: LogIndex, maxCount: Int = .max, maxBytes: Int = 4 << 20) throws(StorageError) -> [LogRecord] {
        try core.read(from: from, maxCount: maxCount, maxBytes: maxBytes)
    }

    /// The durable record at `index`.
    public func record(at index: LogIndex) throws(StorageError) -> LogRecord {
        guard let record = try core.read(from: index, maxCount: 1, maxBytes: .max).first else {
            throw StorageError(.indexOutOfRange, "index \(index) is past the end of the log (last index \(lastIndex))", path: core.directory)
        }
        return record
    }

    // MARK: Writing (async, group-committed)

    /// Appends one record at the next index and returns that index once it is durable.
    /// Many tasks may call this concurrently; their records share writes and syncs.
    @discardableResult
    public func append(_ payload: [UInt8]) async throws(StorageError) -> LogIndex {
        try await core.submit(.append(first: .zero, payloads: [payload]))
    }

    /// Appends `payloads` at `first, first + 1, …` and returns once all are durable.
    /// `first` must be the next index: `log_gap` if it is beyond, `index_out_of_range` if
    /// it would overwrite records (call `truncateSuffix(after:)` first).
    public func append(_ payloads: [[UInt8]], at first: LogIndex) async throws(StorageError) {
        _ = try await core.submit(.append(first: first, payloads: payloads))
    }

    /// Removes every record after `index` (a Raft conflict), durably. Records queued after
    /// this call may start at `index + 1` at once.
    public func truncateSuffix(after index: LogIndex) async throws(StorageError) {
        _ = try await core.submit(.truncateSuffix(after: index))
    }

    /// Deletes the segment files whose records all lie before `index` (after a snapshot).
    /// The last segment is always kept, so `firstIndex` may stay below `index`.
    public func compact(before index: LogIndex) async throws(StorageError) {
        _ = try await core.submit(.compact(before: index))
    }

    /// Discards every record and restarts the log empty at `nextIndex` (a follower
    /// installing a snapshot past its log's end).
    public func reset(nextIndex: LogIndex) async throws(StorageError) {
        _ = try await core.submit(.reset(next: nextIndex))
    }

    /// Replaces the hard state (at most 4072 bytes) durably and atomically.
    public func saveHardState(_ state: [UInt8]) async throws(StorageError) {
        _ = try await core.submit(.saveHardState(state))
    }

    /// Returns once everything queued before the call is durable; throws the failure of an
    /// earlier `blocking.append` that nobody has been told about yet.
    public func sync() async throws(StorageError) {
        _ = try await core.submit(.barrier)
    }
}
