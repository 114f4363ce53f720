import Testing
@testable import KeelStorage

@Suite struct DurableLogTests {
    @Test func appendsReadsAndReopens() async throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        do {
            let log = try DurableLog(directory: dir.path)
            #expect(log.firstIndex == 1 && log.lastIndex == 0)
            #expect(try log.read(from: 1).isEmpty)
            #expect(try await log.append(payload(1)) == 1)
            try await log.append([payload(2), payload(3), []], at: 2)
            #expect(log.lastIndex == 4)
            #expect(try log.read(from: 2, maxCount: 2).map(\.payload) == [payload(2), payload(3)])
            #expect(try log.record(at: 4).payload == [])
            log.close()
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(log.recovery.tornTail == nil)
        #expect(try log.read(from: 1).map(\.index) == [1, 2, 3, 4])
        #expect(try log.read(from: 1).map(\.payload) == [payload(1), payload(2), payload(3), []])
    }

    @Test func rejectsNonContiguousAppendsAndBadReads() async throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        try await log.append([payload(1), payload(2)], at: 1)
        let gap = await #expect(throws: StorageError.self) { try await log.append([payload(9)], at: 9) }
        #expect(gap?.code == .logGap)
        let overwrite = await #expect(throws: StorageError.self) { try await log.append([payload(2)], at: 2) }
        #expect(overwrite?.code == .indexOutOfRange)
        #expect((#expect(throws: StorageError.self) { try log.read(from: 4) })?.code == .indexOutOfRange)
        #expect((#expect(throws: StorageError.self) { try log.record(at: 3) })?.code == .indexOutOfRange)
        #expect((#expect(throws: StorageError.self) { try log.blocking.append([[1]], at: 5) })?.code == .logGap)
        let tooLarge = try DurableLog(directory: dir.path + "/small", options: .init(maxRecordBytes: 10))
        defer { tooLarge.close() }
        #expect((await #expect(throws: StorageError.self) { try await tooLarge.append([UInt8](repeating: 0, count: 11)) })?.code == .tooLarge)
    }

    @Test func readsRespectCountAndByteLimitsAcrossSegments() async throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        let log = try DurableLog(directory: dir.path, options: .init(segmentTargetBytes: 256))
        defer { log.close() }
        for n in 1...40 { try await log.append([payload(n, extra: 40)], at: LogIndex(UInt64(n))) }
        #expect(log.footprint.segments > 5)
        #expect(try log.read(from: 1).map(\.index) == (1...40).map { LogIndex(UInt64($0)) })
        #expect(try log.read(from: 7, maxCount: 13).map(\.index) == (7...19).map { LogIndex(UInt64($0)) })
        let recordBytes = LogFormat.recordBytes(payload: payload(1, extra: 40).count)
        #expect(try log.read(from: 3, maxBytes: recordBytes * 5).count == 5)
        #expect(try log.read(from: 3, maxBytes: 1).count == 1, "the first record is returned whatever its size")
    }

    @Test func truncatesSuffixCompactsAndResets() async throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        let options = DurableLog.Options(segmentTargetBytes: 200)
        do {
            let log = try DurableLog(directory: dir.path, options: options)
            for n in 1...30 { try await log.append([payload(n, extra: 30)], at: LogIndex(UInt64(n))) }
            try await log.truncateSuffix(after: 12)
            #expect(log.lastIndex == 12)
            try await log.append([payload(113)], at: 13)
            try await log.compact(before: 10)
            #expect(log.firstIndex <= 10 && log.firstIndex > 1)
            let compacted = #expect(throws: StorageError.self) { try log.read(from: 1) }
            #expect(compacted?.code == .logCompacted)
            log.close()
        }
        do {
            let log = try DurableLog(directory: dir.path, options: options)
            #expect(log.lastIndex == 13)
            #expect(try log.record(at: 13).payload == payload(113))
            #expect(try log.record(at: 12).payload == payload(12, extra: 30))
            try await log.reset(nextIndex: 500)
            #expect(log.firstIndex == 500 && log.lastIndex == 499)
            try await log.append([payload(500)], at: 500)
            log.close()
        }
        let log = try DurableLog(directory: dir.path, options: options)
        defer { log.close() }
        #expect(log.firstIndex == 500 && log.lastIndex == 500)
        #expect(RawFile.segments(in: dir.path).count == 1)
    }

    @Test func truncatingEverythingKeepsThePosition() async throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        do {
            let log = try DurableLog(directory: dir.path, options: .init(segmentTargetBytes: 100))
            try await log.reset(nextIndex: 20)
            for n in 20...30 { try await log.append([payload(n)], at: LogIndex(UInt64(n))) }
            try await log.truncateSuffix(after: 19)
            #expect(log.firstIndex == 20 && log.lastIndex == 19)
            let below = await #expect(throws: StorageError.self) { try await log.truncateSuffix(after: 5) }
            #expect(below?.code == .logCompacted)
            log.close()
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(log.firstIndex == 20 && log.lastIndex == 19)
    }

    @Test func savesHardStateAtomically() async throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        do {
            let log = try DurableLog(directory: dir.path)
            #expect(log.hardState == nil)
            try await log.saveHardState([1, 2, 3])
            try log.blocking.saveHardState([4, 5])
            #expect(log.hardState == [4, 5])
            let tooLarge = await #expect(throws: StorageError.self) {
                try await log.saveHardState([UInt8](repeating: 0, count: HardStateFile.maxPayloadBytes + 1))
            }
            #expect(tooLarge?.code == .tooLarge)
            log.close()
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(log.hardState == [4, 5])
    }

    @Test func blockingAppendsBecomeDurableAtSync() throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        do {
            let log = try DurableLog(directory: dir.path)
            try log.blocking.append([payload(1), payload(2)], at: 1)
            try log.blocking.append([payload(3)], at: 3)
            try log.blocking.sync()
            #expect(log.lastIndex == 3)
            try log.blocking.truncateSuffix(after: 1)
            try log.blocking.append([payload(22)], at: 2)
            try log.blocking.sync()
            log.close()
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(try log.read(from: 1).map(\.payload) == [payload(1), payload(22)])
    }

    @Test func secondHandleOnTheSameDirectoryIsRefused() throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        let log = try DurableLog(directory: dir.path)
        let second = #expect(throws: StorageError.self) { try DurableLog(directory: dir.path) }
        #expect(second?.code == .locked)
        log.close()
        let reopened = try DurableLog(directory: dir.path)
        reopened.close()
        #expect((#expect(throws: StorageError.self) { try reopened.read(from: 1) })?.code == .closed)
        #expect((#expect(throws: StorageError.self) { try reopened.blocking.sync() })?.code == .closed)
    }

    /// Appends queued while one write is held at a gate are all written by the next write
    /// and released by its single sync: the group commit, counted, not timed.
    @Test func queuedAppendsShareOneWriteAndOneSync() throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        let counter = IOCounter()
        let log = try DurableLog(directory: dir.path, options: .init(faults: counter.injector))
        defer { log.close() }
        try log.blocking.append([payload(1)], at: 1)
        try log.blocking.sync()
        let (writes, syncs) = (counter.writes, counter.syncCount)
        counter.closeGate()
        try log.blocking.append([payload(2)], at: 2)
        for n in 3...201 { try log.blocking.append([payload(n)], at: LogIndex(UInt64(n))) }
        counter.open()
        try log.blocking.sync()
        #expect(log.lastIndex == 201)
        #expect(counter.writes - writes <= 2, "200 appends queued behind one write need at most one more write")
        #expect(counter.syncCount - syncs <= 2)
    }

    /// Many concurrent tasks appending: every acknowledged index is unique, the log is
    /// contiguous, and each index holds the payload of the task it was returned to.
    @Test func concurrentAppendersGetDistinctDurableIndexes() async throws {
        let dir = TemporaryDirectory("log")
        defer { dir.remove() }
        let log = try DurableLog(directory: dir.path, options: .init(segmentTargetBytes: 64 << 10))
        defer { log.close() }
        let acknowledged = try await withThrowingTaskGroup(of: [(LogIndex, [UInt8])].self) { group in
            for task in 0..<64 {
                group.addTask {
                    var mine: [(LogIndex, [UInt8])] = []
                    for n in 0..<25 {
                        let body = payload(task * 1000 + n, extra: 50)
                        mine.append((try await log.append(body), body))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(acknowledged.count == 1600)
        #expect(Set(acknowledged.map(\.0)).count == 1600)
        #expect(log.lastIndex == 1600)
        let stored = try log.read(from: 1, maxBytes: .max)
        let byIndex = Dictionary(uniqueKeysWithValues: acknowledged.map { ($0.0, $0.1) })
        #expect(stored.allSatisfy { byIndex[$0.index] == $0.payload })
    }
}
