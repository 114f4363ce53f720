/// The shared state of a `DurableLog` and its writer thread.
///
/// Callers enqueue operations under `monitor`; one dedicated thread takes them in order and
/// does all writing I/O. Consecutive appends are gathered into one write and one sync
/// (group commit); every waiter is released only after that sync returned. Readers take
/// `fileLock` for reading while they read files; the writer takes it for writing only when
/// it shrinks a file (suffix truncation, reset).
///
/// Failure rule: when an operation fails, every operation queued behind it fails too, and
/// the next append index goes back to the durable end of the log. A failed sync (or a
/// failure that leaves memory and disk in disagreement) makes the log refuse all further
/// writes with `log_failed` until it is reopened.
final class LogCore: @unchecked Sendable {
    enum Kind {
        /// Records at `first, first + 1, …`; `first == 0` means "at the next index".
        case append(first: LogIndex, payloads: [[UInt8]])
        case truncateSuffix(after: LogIndex)
        case compact(before: LogIndex)
        case reset(next: LogIndex)
        case saveHardState([UInt8])
        /// Completes once everything queued before it is durable.
        case barrier

        /// Whether the operation can share a group-commit write with its neighbours.
        var isGroupable: Bool {
            switch self {
            case .append, .barrier: true
            default: false
            }
        }
    }

    /// Who is waiting for an operation, if anyone.
    enum Waiter {
        case task(UnsafeContinuation<Result<Void, StorageError>, Never>)
        case thread(ThreadWaiter)
    }

    /// A blocked OS thread's result slot, written under `monitor`.
    final class ThreadWaiter: @unchecked Sendable {
        var result: Result<Void, StorageError>?
    }

    struct Pending {
        var kind: Kind
        var bytes: Int
        var waiter: Waiter?
    }

    let directory: String
    let options: DurableLog.Options
    let monitor = Monitor()
    let fileLock = ReadWriteLock()

    // Guarded by `monitor`.
    private(set) var segments: [Segment]
    private var queue: [Pending] = []
    private var queuedBytes = 0
    private var nextIndex: LogIndex
    private(set) var hardState: [UInt8]?
    private var unreportedFailure: StorageError?
    private var failure: StorageError?
    private var closing = false
    private var closed = false
    private var spaceWaiters: [UnsafeContinuation<Void, Never>] = []
    private var lock: DirectoryLock?
    private var thread: IOThread?

    // Writer thread only.
    private let hardStateFile: HardStateFile
    private var buffer: [UInt8] = []
    private var batchOffsets: [UInt64] = []

    init(directory: String, options: DurableLog.Options, segments: [Segment], hardStateFile: HardStateFile, lock: DirectoryLock) {
        self.directory = directory
        self.options = options
        self.segments = segments
        self.hardStateFile = hardStateFile
        self.hardState = hardStateFile.current
        self.lock = lock
        self.nextIndex = segments.last.map { $0.last.next } ?? LogIndex(1)
        self.thread = IOThread(name: "keel-log") { [self] in runWriter() }
    }

    // MARK: Bounds (call under `monitor`)

    /// The first stored record's index (the next index of an empty log).
    var firstIndexLocked: LogIndex { segments.first?.first ?? LogIndex(1) }
    /// The last durable record's index (`firstIndex - 1` when the log is empty).
    var lastIndexLocked: LogIndex { segments.last?.last ?? .zero }

    // MARK: Enqueueing

    /// Queues `kind`, checking that appends stay contiguous; returns the index of the first
    /// record appended (or `nextIndex` for other operations). A blocking caller waits here
    /// while the queue is over its byte limit. Call under `monitor`.
    @discardableResult
    func enqueueLocked(_ kind: Kind, waiter: Waiter?, blocking: Bool) throws(StorageError) -> LogIndex {
        var kind = kind
        let bytes = Self.byteCount(kind)
        while blocking && !hasSpaceLocked(for: bytes) { monitor.wait() }
        if let failure { throw failure }
        if closing { throw StorageError(.closed, "the log is closed", path: directory) }
        let assigned = nextIndex
        switch kind {
        case .append(let requested, let payloads):
            let first = requested == .zero ? nextIndex : requested
            try checkAppend(first: first, payloads: payloads)
            kind = .append(first: first, payloads: payloads)
            nextIndex = nextIndex.advanced(by: payloads.count)
        case .truncateSuffix(let after):
            guard after >= firstIndexLocked.advanced(by: -1) else {
                throw StorageError(.logCompacted, "cannot truncate after \(after): the log starts at \(firstIndexLocked)", path: directory)
            }
            if after.next >= nextIndex {
                kind = .barrier  // nothing after `after`: just wait for what is queued
            } else {
                nextIndex = after.next
            }
        case .reset(let next):
            guard next > .zero else { throw StorageError(.invalidArgument, "a log cannot restart at index 0", path: directory) }
            nextIndex = next
        case .saveHardState(let payload):
            guard payload.count <= HardStateFile.maxPayloadBytes else {
                throw StorageError(.tooLarge, "hard state of \(payload.count) bytes exceeds \(HardStateFile.maxPayloadBytes) bytes", path: directory)
            }
        case .compact, .barrier:
            break
        }
        queue.append(Pending(kind: kind, bytes: bytes, waiter: waiter))
        queuedBytes += bytes
        monitor.notifyAll()
        return assigned
    }

    private func checkAppend(first: LogIndex, payloads: [[UInt8]]) throws(StorageError) {
        guard first == nextIndex else {
            if first > nextIndex {
                throw StorageError(.logGap, "append at \(first) would leave a gap: the next index is \(nextIndex)", path: directory)
            }
            throw StorageError(.indexOutOfRange, "append at \(first) would overwrite records from \(first) on: truncate the suffix first (next index is \(nextIndex))", path: directory)
        }
        for payload in payloads where payload.count > options.maxRecordBytes {
            throw StorageError(.tooLarge, "record of \(payload.count) bytes exceeds the limit of \(options.maxRecordBytes) bytes", path: directory)
        }
    }

    func hasSpaceLocked(for bytes: Int) -> Bool {
        queue.isEmpty || queuedBytes + bytes <= options.maxQueuedBytes || failure != nil || closing
    }

    private static func byteCount(_ kind: Kind) -> Int {
        switch kind {
        case .append(_, let payloads): payloads.reduce(0) { $0 + LogFormat.recordBytes(payload: $1.count) }
        case .saveHardState(let payload): payload.count
        default: 0
        }
    }

    /// Queues `kind` and waits on this OS thread until it completes.
    func submitBlocking(_ kind: Kind) throws(StorageError) {
        let waiter = ThreadWaiter()
        try monitor.withLock { () throws(StorageError) in
            try enqueueLocked(kind, waiter: .thread(waiter), blocking: true)
            while waiter.result == nil { monitor.wait() }
        }
        try waiter.result!.get()
    }

    /// Queues `kind` and suspends the calling task (never blocking its thread) until it
    /// completes; returns the first index assigned to an append.
    func submit(_ kind: Kind) async throws(StorageError) -> LogIndex {
        await waitForSpace(Self.byteCount(kind))
        var assigned = LogIndex.zero
        let result = await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<Void, StorageError>, Never>) in
            do throws(StorageError) {
                assigned = try monitor.withLock { () throws(StorageError) in
                    try enqueueLocked(kind, waiter: .task(continuation), blocking: false)
                }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        try result.get()
        return assigned
    }

    private func waitForSpace(_ bytes: Int) async {
        while !monitor.withLock({ hasSpaceLocked(for: bytes) }) {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let admitted = monitor.withLock {
                    if hasSpaceLocked(for: bytes) { return true }
                    spaceWaiters.append(continuation)
                    return false
                }
                if admitted { continuation.resume() }
            }
        }
    }

    // MARK: Writer thread

    private func runWriter() {
        while let work = nextWork() {
            if work[0].kind.isGroupable {
                performGroupCommit(work)
            } else {
                performAlone(work[0])
            }
        }
    }

    /// Takes the next unit of work: a run of appends and barriers up to `maxBatchBytes`,
    /// or one other operation. Nil once the log is closing and the queue is drained.
    private func nextWork() -> [Pending]? {
        let (work, released): ([Pending]?, [UnsafeContinuation<Void, Never>]) = monitor.withLock {
            while queue.isEmpty && !closing { monitor.wait() }
            if queue.isEmpty { return (nil, []) }
            var count = 1
            var bytes = queue[0].bytes
            if queue[0].kind.isGroupable {
                while count < queue.count, queue[count].kind.isGroupable, bytes + queue[count].bytes <= options.maxBatchBytes {
                    bytes += queue[count].bytes
                    count += 1
                }
            }
            let work = Array(queue[0..<count])
            queue.removeFirst(count)
            queuedBytes -= bytes
            return (work, takeSpaceWaitersLocked())
        }
        for waiter in released { waiter.resume() }
        return work
    }

    private func takeSpaceWaitersLocked() -> [UnsafeContinuation<Void, Never>] {
        let waiters = spaceWaiters
        spaceWaiters = []
        monitor.notifyAll()
        return waiters
    }

    private func performGroupCommit(_ work: [Pending]) {
        do throws(StorageError) {
            try writeRecords(work)
            complete(work, .success(()))
        } catch {
            abandonQueue(error)
            complete(work, .failure(error))
        }
    }

    private func performAlone(_ operation: Pending) {
        do throws(StorageError) {
            switch operation.kind {
            case .truncateSuffix(let after): try truncateSuffix(after: after)
            case .compact(let before): try compact(before: before)
            case .reset(let next): try reset(next: next)
            case .saveHardState(let payload): try saveHardState(payload)
            case .append, .barrier: preconditionFailure("appends and barriers are group-committed")
            }
            complete([operation], .success(()))
        } catch {
            abandonQueue(error)
            complete([operation], .failure(error))
        }
    }

    /// Writes every record of `work` with one write and one sync.
    private func writeRecords(_ work: [Pending]) throws(StorageError) {
        guard let batchFirst = work.lazy.compactMap({ pending -> LogIndex? in
            if case .append(let first, let payloads) = pending.kind, !payloads.isEmpty { return first }
            return nil
        }).first else { return }
        let segment = try activeSegment(startingAt: batchFirst)
        guard batchFirst == segment.last.next else {
            throw StorageError(.logGap, "internal: write starts at \(batchFirst) but the log ends at \(segment.last)", path: segment.file.path)
        }
        buffer.removeAll(keepingCapacity: true)
        batchOffsets.removeAll(keepingCapacity: true)
        var index = batchFirst
        for case .append(_, let payloads) in work.lazy.map(\.kind) {
            for payload in payloads {
                batchOffsets.append(segment.end + UInt64(buffer.count))
                LogFormat.appendRecord(payload, index: index, batchFirst: batchFirst, salt: segment.salt, to: &buffer)
                index = index.next
            }
        }
        do throws(StorageError) {
            try segment.file.write(buffer, at: segment.end)
        } catch {
            // Remove whatever part was written, so the next write starts on a clean end.
            do throws(StorageError) { try segment.file.truncate(to: segment.end) } catch { throw markFailed(error) }
            throw error
        }
        do throws(StorageError) { try segment.file.sync() } catch { throw markFailed(error) }
        monitor.withLock {
            segment.offsets.append(contentsOf: batchOffsets)
            segment.end += UInt64(buffer.count)
        }
        if buffer.capacity > 2 * options.maxBatchBytes { buffer = [] }
    }

    /// The segment to append to, starting a new one when the last is full (or none exists).
    private func activeSegment(startingAt first: LogIndex) throws(StorageError) -> Segment {
        if let last = monitor.withLock({ segments.last }), last.end < options.segmentTargetBytes || last.offsets.isEmpty {
            return last
        }
        let segment = try Segment.create(in: directory, first: first, faults: options.faults)
        monitor.withLock { segments.append(segment) }
        return segment
    }

    private func truncateSuffix(after: LogIndex) throws(StorageError) {
        try fileLock.withWriteLock { () throws(StorageError) in
            let (first, last) = monitor.withLock { (firstIndexLocked, lastIndexLocked) }
            guard after >= first.advanced(by: -1) else {
                throw StorageError(.logCompacted, "cannot truncate after \(after): the log starts at \(first)", path: directory)
            }
            guard after < last else { return }
            do throws(StorageError) {
                // Newest first, so that a crash part-way leaves a contiguous log.
                while let newest = monitor.withLock({ segments.last.flatMap { $0.first > after ? segments.removeLast() : nil } }) {
                    try removeSegmentFile(newest)
                }
                if let segment = monitor.withLock({ segments.last }), segment.last > after {
                    let keep = segment.first.distance(to: after) + 1
                    let cut = segment.offsets[keep]
                    monitor.withLock {
                        segment.offsets.removeLast(segment.offsets.count - keep)
                        segment.end = cut
                    }
                    try segment.file.truncate(to: cut)
                    try segment.file.sync()
                }
                if monitor.withLock({ segments.isEmpty }) {
                    let segment = try Segment.create(in: directory, first: after.next, faults: options.faults)
                    monitor.withLock { segments = [segment] }
                }
            } catch {
                throw markFailed(error)
            }
        }
    }

    private func compact(before: LogIndex) throws(StorageError) {
        do throws(StorageError) {
            while let oldest = monitor.withLock({ segments.count > 1 && segments[0].last < before ? segments.removeFirst() : nil }) {
                try removeSegmentFile(oldest)
            }
        } catch {
            throw markFailed(error)
        }
    }

    private func reset(next: LogIndex) throws(StorageError) {
        try fileLock.withWriteLock { () throws(StorageError) in
            do throws(StorageError) {
                // Oldest first: a crash part-way leaves a contiguous suffix of the old log.
                while let oldest = monitor.withLock({ segments.isEmpty ? nil : segments.removeFirst() }) {
                    try removeSegmentFile(oldest)
                }
                let segment = try Segment.create(in: directory, first: next, faults: options.faults)
                monitor.withLock { segments = [segment] }
            } catch {
                throw markFailed(error)
            }
        }
    }

    /// Unlinks a segment and syncs the directory before the next one goes, so a crash can
    /// never leave a hole between surviving segments.
    private func removeSegmentFile(_ segment: Segment) throws(StorageError) {
        try FileSystem.remove(segment.file.path)
        try FileSystem.syncDirectory(directory)
    }

    private func saveHardState(_ payload: [UInt8]) throws(StorageError) {
        try hardStateFile.write(payload)
        do throws(StorageError) { try hardStateFile.sync(payload) } catch { throw markFailed(error) }
        monitor.withLock { hardState = payload }
    }

    // MARK: Completion and failure

    /// Releases the waiters of `work` with `result`. A barrier also reports the first
    /// failure of an operation nobody was waiting for (see `DurableLog.Blocking.append`).
    private func complete(_ work: [Pending], _ result: Result<Void, StorageError>) {
        var resumptions: [(UnsafeContinuation<Result<Void, StorageError>, Never>, Result<Void, StorageError>)] = []
        monitor.withLock {
            for pending in work {
                var outcome = result
                if case .barrier = pending.kind, let failure = unreportedFailure {
                    // The caller of sync() learns that something failed, once.
                    if case .success = outcome { outcome = .failure(failure) }
                    unreportedFailure = nil
                }
                switch pending.waiter {
                case nil:
                    if case .failure(let error) = outcome, unreportedFailure == nil { unreportedFailure = error }
                case .thread(let waiter):
                    waiter.result = outcome
                case .task(let continuation):
                    resumptions.append((continuation, outcome))
                }
            }
            monitor.notifyAll()
        }
        for (continuation, outcome) in resumptions { continuation.resume(returning: outcome) }
    }

    /// Fails everything queued (it was queued behind a failed operation) and moves the next
    /// append index back to the durable end of the log.
    private func abandonQueue(_ error: StorageError) {
        let (abandoned, released) = monitor.withLock {
            let abandoned = queue
            queue = []
            queuedBytes = 0
            nextIndex = lastIndexLocked.next
            return (abandoned, takeSpaceWaitersLocked())
        }
        for waiter in released { waiter.resume() }
        complete(abandoned, .failure(StorageError(error.code, "queued behind a failed operation: \(error.message)", path: error.path, offset: error.offset)))
    }

    /// Puts the log in the failed state and returns the `log_failed` error describing `cause`.
    private func markFailed(_ cause: StorageError) -> StorageError {
        let error = StorageError(.logFailed, "the log stopped accepting writes after: \(cause); reopen it to recover", path: cause.path, offset: cause.offset)
        monitor.withLock { if failure == nil { failure = error } }
        return error
    }

    // MARK: Reading

    /// Reads durable records from `from`, at most `maxCount` of them and (after the first)
    /// at most `maxBytes` of record bytes, verifying each record's checksum and index.
    func read(from: LogIndex, maxCount: Int, maxBytes: Int) throws(StorageError) -> [LogRecord] {
        try fileLock.withReadLock { () throws(StorageError) in
            let plan = try monitor.withLock { () throws(StorageError) in try planRead(from: from, maxCount: maxCount, maxBytes: maxBytes) }
            var records: [LogRecord] = []
            records.reserveCapacity(plan.reduce(0) { $0 + $1.from.distance(to: $1.through) + 1 })
            for part in plan { try readRecords(part, into: &records) }
            return records
        }
    }

    private struct ReadPart {
        var segment: Segment
        var from: LogIndex
        var through: LogIndex
        var bytes: Range<UInt64>
    }

    private func planRead(from: LogIndex, maxCount: Int, maxBytes: Int) throws(StorageError) -> [ReadPart] {
        if closed { throw StorageError(.closed, "the log is closed", path: directory) }
        let (first, last) = (firstIndexLocked, lastIndexLocked)
        guard from >= first else {
            throw StorageError(.logCompacted, "index \(from) was compacted: the log starts at \(first)", path: directory)
        }
        guard from <= last.next else {
            throw StorageError(.indexOutOfRange, "index \(from) is past the end of the log (last index \(last))", path: directory)
        }
        var parts: [ReadPart] = []
        var index = from
        var count = 0
        var bytes: UInt64 = 0
        var position = segments.lastIndex { $0.first <= from } ?? 0
        reading: while index <= last, count < maxCount, position < segments.count {
            let segment = segments[position]
            let start = index
            while index <= segment.last, count < maxCount {
                let size = segment.byteRange(from: index, through: index).count
                if count > 0 && bytes + UInt64(size) > UInt64(maxBytes) {
                    if index > start { parts.append(ReadPart(segment: segment, from: start, through: index.advanced(by: -1), bytes: segment.byteRange(from: start, through: index.advanced(by: -1)))) }
                    break reading
                }
                bytes += UInt64(size)
                count += 1
                index = index.next
            }
            if index > start {
                parts.append(ReadPart(segment: segment, from: start, through: index.advanced(by: -1), bytes: segment.byteRange(from: start, through: index.advanced(by: -1))))
            }
            position += 1
        }
        return parts
    }

    private func readRecords(_ part: ReadPart, into records: inout [LogRecord]) throws(StorageError) {
        let file = part.segment.file
        let bytes = try file.read(count: Int(part.bytes.count), at: part.bytes.lowerBound)
        guard bytes.count == part.bytes.count else {
            throw StorageError(.corruptLog, "segment ends early: read \(bytes.count) of \(part.bytes.count) bytes", path: file.path, offset: part.bytes.lowerBound)
        }
        try bytes.withStorageBytes { raw throws(StorageError) in
            var offset = 0
            for index in part.from...part.through {
                switch LogFormat.decodeRecord(raw, at: offset, salt: part.segment.salt, maxRecordBytes: options.maxRecordBytes) {
                case .success(let record) where record.index == index:
                    records.append(LogRecord(index: index, payload: Array(raw[record.payload])))
                    offset = record.end
                case .success(let record):
                    throw StorageError(.corruptLog, "record has index \(record.index), expected \(index)", path: file.path, offset: part.bytes.lowerBound + UInt64(offset))
                case .failure(var error):
                    error.path = file.path
                    error.offset = part.bytes.lowerBound + UInt64(offset)
                    throw error
                }
            }
        }
    }

    // MARK: Closing

    /// Lets the writer finish everything queued, stops it and releases the directory lock.
    func shutdown() {
        let (thread, released) = monitor.withLock {
            closing = true
            let thread = self.thread
            self.thread = nil
            return (thread, takeSpaceWaitersLocked())
        }
        for waiter in released { waiter.resume() }
        thread?.join()
        monitor.withLock {
            closed = true
            lock = nil
        }
    }
}
