import Testing
@testable import KeelStorage

#if canImport(Glibc)
import Glibc
#endif

/// Full disks and failing syncs, simulated with `IOFaultInjector`. The defined behaviour:
/// the failing operation returns `disk_full` (or `log_failed` after a failed sync), nothing
/// acknowledged is lost, and the log stays usable and reopenable.
@Suite struct DurableLogFaultTests {
    static func fill(_ log: DurableLog, through last: Int) async throws {
        for n in 1...last { try await log.append([payload(n, extra: 20)], at: LogIndex(UInt64(n))) }
    }

    @Test func fullDiskFailsTheAppendAndKeepsEverythingAcknowledged() async throws {
        let dir = TemporaryDirectory("faults")
        defer { dir.remove() }
        let disk = DiskBudget(remainingBytes: 1 << 20)
        do {
            let log = try DurableLog(directory: dir.path, options: .init(faults: .disk(disk)))
            try await Self.fill(log, through: 10)
            let sizeBefore = RawFile.size(RawFile.segments(in: dir.path)[0])
            disk.remainingBytes = 50
            let error = await #expect(throws: StorageError.self) { try await log.append(payload(11, extra: 200)) }
            #expect(error?.code == .diskFull)
            #expect(error?.path == RawFile.segments(in: dir.path)[0])
            #expect(log.lastIndex == 10)
            #expect(RawFile.size(RawFile.segments(in: dir.path)[0]) == sizeBefore, "the partial write was cut back")
            #expect((await #expect(throws: StorageError.self) { try await log.append(payload(11)) })?.code == .diskFull)
            disk.remainingBytes = 1 << 20
            #expect(try await log.append(payload(11)) == 11)
            log.close()
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(log.recovery.tornTail == nil)
        #expect(try log.read(from: 1).map(\.payload) == (1...10).map { payload($0, extra: 20) } + [payload(11)])
    }

    /// Appends queued behind a failed write fail with it; the next index returns to the
    /// durable end, so the caller re-appends from there.
    @Test func queuedAppendsFailWithTheWriteAhead() throws {
        let dir = TemporaryDirectory("faults")
        defer { dir.remove() }
        let disk = DiskBudget(remainingBytes: 1 << 20)
        let counter = IOCounter(disk: disk)
        let log = try DurableLog(directory: dir.path, options: .init(faults: counter.injector))
        defer { log.close() }
        try log.blocking.append([payload(1)], at: 1)
        try log.blocking.sync()
        disk.remainingBytes = 10
        counter.closeGate()  // hold the first failing write until everything is queued behind it
        try log.blocking.append([payload(2)], at: 2)
        counter.waitUntilParked()
        for n in 3...5 { try log.blocking.append([payload(n)], at: LogIndex(UInt64(n))) }
        counter.open()
        #expect((#expect(throws: StorageError.self) { try log.blocking.sync() })?.code == .diskFull)
        #expect(log.lastIndex == 1)
        // Depending on whether the sync's barrier was queued before or after the failure,
        // the abandoned appends' failure may be reported once more; never anything else.
        do { try log.blocking.sync() } catch { #expect(error.code == .diskFull) }
        try log.blocking.sync()  // by now everything has been reported
        disk.remainingBytes = 1 << 20
        #expect((#expect(throws: StorageError.self) { try log.blocking.append([payload(6)], at: 6) })?.code == .logGap)
        try log.blocking.append([payload(2)], at: 2)
        try log.blocking.sync()
        #expect(try log.read(from: 1).map(\.payload) == [payload(1), payload(2)])
    }

    @Test func fullDiskWhileStartingASegment() async throws {
        let dir = TemporaryDirectory("faults")
        defer { dir.remove() }
        let disk = DiskBudget(remainingBytes: 1 << 20)
        let options = DurableLog.Options(segmentTargetBytes: 200, faults: .disk(disk))
        do {
            let log = try DurableLog(directory: dir.path, options: options)
            try await Self.fill(log, through: 4)
            let segments = RawFile.segments(in: dir.path).count
            disk.remainingBytes = 0
            let error = await #expect(throws: StorageError.self) {
                for n in 5...30 { try await log.append([payload(n, extra: 20)], at: LogIndex(UInt64(n))) }
            }
            #expect(error?.code == .diskFull)
            #expect(RawFile.segments(in: dir.path).count <= segments + 1)
            disk.remainingBytes = 1 << 20
            try await log.append([payload(99)], at: log.lastIndex.next)
            log.close()
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(try log.record(at: log.lastIndex).payload == payload(99))
        #expect(try log.read(from: 1, maxCount: 4).map(\.payload) == (1...4).map { payload($0, extra: 20) })
    }

    @Test func fullDiskKeepsThePreviousHardState() async throws {
        let dir = TemporaryDirectory("faults")
        defer { dir.remove() }
        let disk = DiskBudget(remainingBytes: 1 << 20)
        do {
            let log = try DurableLog(directory: dir.path, options: .init(faults: .disk(disk)))
            try await log.saveHardState([1, 1])
            disk.remainingBytes = 10  // tears the slot: magic and half the checksum
            #expect((await #expect(throws: StorageError.self) { try await log.saveHardState([2, 2]) })?.code == .diskFull)
            #expect(log.hardState == [1, 1])
            log.close()
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(log.hardState == [1, 1])
    }

    /// After a failed sync the kernel may have dropped the unsynced pages, and a retried
    /// sync could falsely succeed: the log refuses writes until it is reopened.
    @Test func failedSyncStopsWritesUntilReopen() async throws {
        let dir = TemporaryDirectory("faults")
        defer { dir.remove() }
        let failing = DiskBudget(remainingBytes: 0)  // used as a flag: 1 = fail syncs
        let injector = IOFaultInjector(beforeSync: { _ in failing.remainingBytes == 1 ? EIO : nil })
        do {
            let log = try DurableLog(directory: dir.path, options: .init(faults: injector))
            try await Self.fill(log, through: 5)
            failing.remainingBytes = 1
            let error = await #expect(throws: StorageError.self) { try await log.append(payload(6)) }
            #expect(error?.code == .logFailed)
            failing.remainingBytes = 0
            #expect((await #expect(throws: StorageError.self) { try await log.append(payload(6)) })?.code == .logFailed)
            #expect(try log.read(from: 1).count == 5)
            log.close()
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(log.lastIndex >= 5)
        #expect(try log.read(from: 1, maxCount: 5).map(\.payload) == (1...5).map { payload($0, extra: 20) })
        try await log.append([payload(7)], at: log.lastIndex.next)
    }
}
