import Testing
@testable import KeelStorage

/// Damaged and truncated files: torn tails are cut off, everything else is a clear error.
@Suite struct DurableLogRecoveryTests {
    static let recordSize = LogFormat.recordBytes(payload: 48)

    /// Record `n`'s payload: 48 bytes, so every record takes the same room.
    static func body(_ n: Int) -> [UInt8] { [UInt8](repeating: UInt8(n), count: 48) }

    /// The file offset of record `n` in a single-segment log of equal-sized records.
    static func offset(of n: Int) -> Int { LogFormat.headerBytes + (n - 1) * recordSize }

    /// A log of `count` records, one write each (or all in one write), closed.
    static func makeLog(_ dir: TemporaryDirectory, count: Int = 10, oneWrite: Bool = false, options: DurableLog.Options = .init()) throws {
        let log = try DurableLog(directory: dir.path, options: options)
        if oneWrite {
            try log.blocking.append((1...count).map { body($0) }, at: 1)
            try log.blocking.sync()
        } else {
            for n in 1...count {
                try log.blocking.append([body(n)], at: LogIndex(UInt64(n)))
                try log.blocking.sync()
            }
        }
        log.close()
    }

    static func segment(_ dir: TemporaryDirectory) -> String { RawFile.segments(in: dir.path)[0] }

    @Test(arguments: ["garbage", "partial record", "zeros", "cut mid-record"])
    func tornTailIsCutOffAndTheLogStaysUsable(damage: String) throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        try Self.makeLog(dir)
        let path = Self.segment(dir)
        var expectedLast: LogIndex = 10
        switch damage {
        case "garbage": RawFile.append(path, [0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        case "partial record": RawFile.append(path, Array(RawFile.read(path)[Self.offset(of: 10)...].prefix(Self.recordSize - 3)))
        case "zeros": RawFile.append(path, [UInt8](repeating: 0, count: 4096))
        default:
            RawFile.truncate(path, to: RawFile.size(path) - 5)
            expectedLast = 9
        }
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        let torn = try #require(log.recovery.tornTail)
        #expect(torn.path == path)
        #expect(torn.offset == UInt64(Self.offset(of: Int(expectedLast.rawValue) + 1)))
        #expect(log.lastIndex == expectedLast)
        #expect(try log.read(from: 1).map(\.payload) == (1...Int(expectedLast.rawValue)).map { Self.body($0) })
        try log.blocking.append([[7]], at: expectedLast.next)
        try log.blocking.sync()
        #expect(try log.record(at: expectedLast.next).payload == [7])
    }

    /// Damage to a record followed by a record of a later write means the damaged record
    /// had been synced: an error, never a silent cut.
    @Test func damageBeforeALaterWriteIsCorruption() throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        try Self.makeLog(dir)
        let path = Self.segment(dir)
        RawFile.flipByte(path, at: Self.offset(of: 5) + 30)
        let error = #expect(throws: StorageError.self) { try DurableLog(directory: dir.path) }
        #expect(error?.code == .corruptLog)
        #expect(error?.path == path)
        #expect(error?.offset == UInt64(Self.offset(of: 5)))
    }

    /// Damage inside the last write (records 3–5 all written by one write) is a torn
    /// write: the write was never acknowledged, so its records from the damage on go.
    @Test func damageInsideTheLastWriteIsATornTail() throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        let log = try DurableLog(directory: dir.path)
        try log.blocking.append([Self.body(1), Self.body(2)], at: 1)
        try log.blocking.sync()
        try log.blocking.append((3...5).map { Self.body($0) }, at: 3)
        try log.blocking.sync()
        log.close()
        RawFile.flipByte(Self.segment(dir), at: Self.offset(of: 3) + 2)
        let reopened = try DurableLog(directory: dir.path)
        defer { reopened.close() }
        #expect(reopened.lastIndex == 2)
        #expect(reopened.recovery.tornTail?.offset == UInt64(Self.offset(of: 3)))
    }

    @Test func damageInAnEarlierSegmentIsCorruption() throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        try Self.makeLog(dir, count: 30, options: .init(segmentTargetBytes: 300))
        let segments = RawFile.segments(in: dir.path)
        #expect(segments.count > 3)
        RawFile.flipByte(segments[1], at: LogFormat.headerBytes + 27)
        let error = #expect(throws: StorageError.self) { try DurableLog(directory: dir.path) }
        #expect(error?.code == .corruptLog)
        #expect(error?.path == segments[1])
        #expect(error?.offset == UInt64(LogFormat.headerBytes))
    }

    @Test func truncatedEarlierSegmentIsCorruption() throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        try Self.makeLog(dir, count: 30, options: .init(segmentTargetBytes: 300))
        let first = RawFile.segments(in: dir.path)[0]
        RawFile.truncate(first, to: RawFile.size(first) - 1)
        let error = #expect(throws: StorageError.self) { try DurableLog(directory: dir.path) }
        #expect(error?.code == .corruptLog)
        #expect(error?.path == first)
    }

    @Test func missingSegmentIsAGap() throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        try Self.makeLog(dir, count: 30, options: .init(segmentTargetBytes: 300))
        let segments = RawFile.segments(in: dir.path)
        try FileSystem.remove(segments[1])
        let error = #expect(throws: StorageError.self) { try DurableLog(directory: dir.path) }
        #expect(error?.code == .logGap)
        #expect(error?.path == segments[2])
    }

    @Test func damagedOrForeignSegmentHeaderIsReported() throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        try Self.makeLog(dir, count: 3)
        let path = Self.segment(dir)
        let original = RawFile.read(path)
        RawFile.flipByte(path, at: 3)
        #expect((#expect(throws: StorageError.self) { try DurableLog(directory: dir.path) })?.code == .corruptLog)

        var newer = original
        newer.storeLittleEndian(UInt32(2), at: 8)
        newer.storeLittleEndian(CRC32C.checksum(newer[0..<28]), at: 28)
        RawFile.write(path, newer)
        #expect((#expect(throws: StorageError.self) { try DurableLog(directory: dir.path) })?.code == .unsupportedFormat)

        RawFile.write(path, Array(original.prefix(20)))
        #expect((#expect(throws: StorageError.self) { try DurableLog(directory: dir.path) })?.code == .corruptLog)
    }

    /// Reads verify checksums: damage that appears after opening is reported, not returned.
    @Test func readsDetectDamageAfterOpening() throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        try Self.makeLog(dir, count: 5)
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        RawFile.flipByte(Self.segment(dir), at: Self.offset(of: 4) + 26)
        let error = #expect(throws: StorageError.self) { try log.read(from: 1) }
        #expect(error?.code == .corruptLog)
        #expect(error?.offset == UInt64(Self.offset(of: 4)))
        #expect(try log.read(from: 1, maxCount: 3).count == 3)
    }

    @Test func hardStateFallsBackToThePreviousSlotAndReportsDoubleDamage() async throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        do {
            let log = try DurableLog(directory: dir.path)
            try await log.saveHardState([1])  // sequence 1, slot 1
            try await log.saveHardState([2])  // sequence 2, slot 0
            log.close()
        }
        let path = dir.file(HardStateFile.name)
        RawFile.flipByte(path, at: HardStateFile.slotHeaderBytes)  // tear the newest slot
        do {
            let log = try DurableLog(directory: dir.path)
            #expect(log.hardState == [1])
            try await log.saveHardState([3])  // rewrites slot 0, never the valid slot 1
            log.close()
        }
        RawFile.flipByte(path, at: HardStateFile.slotBytes + 9)
        do {
            let log = try DurableLog(directory: dir.path)
            #expect(log.hardState == [3])
            log.close()
        }
        RawFile.flipByte(path, at: 9)
        let error = #expect(throws: StorageError.self) { try DurableLog(directory: dir.path) }
        #expect(error?.code == .corruptHardState)
        #expect(error?.path == path)
    }

    @Test func leftoverTemporaryFilesAreRemoved() throws {
        let dir = TemporaryDirectory("recovery")
        defer { dir.remove() }
        try Self.makeLog(dir, count: 2)
        RawFile.write(dir.file(LogFormat.segmentName(3) + ".tmp"), [1, 2, 3])
        let log = try DurableLog(directory: dir.path)
        defer { log.close() }
        #expect(log.recovery.removedTemporaryFiles == [LogFormat.segmentName(3) + ".tmp"])
        #expect(log.lastIndex == 2)
    }
}
