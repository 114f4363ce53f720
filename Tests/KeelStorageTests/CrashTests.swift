import Foundation
import KeelTypes
import Testing
@testable import KeelStorage
@testable import KeelStorageTorture

/// Process-level crash tests: `keel-storage-torture` writes and acknowledges, the test kills
/// it with SIGKILL at a random moment, reopens the files and checks that every acknowledged
/// write is present and intact and that nothing damaged is accepted.
@Suite(.serialized) struct CrashTests {
    /// The torture binary, built next to the test bundle.
    static func tortureBinary() throws -> URL {
        let build = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = ["keel-storage-torture", "KeelStorageTorture"].map { build.appendingPathComponent($0) }
        return try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "keel-storage-torture is not built next to the tests in \(build.path): run `swift build --build-tests` first")
    }

    /// Starts the torture child; its stderr goes to a file for the failure message.
    static func start(_ arguments: [String], errors: String) throws -> Process {
        let process = Process()
        process.executableURL = try tortureBinary()
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errors)
        try process.run()
        return process
    }

    /// The acknowledgement lines written so far.
    static func acknowledgements(_ path: String) -> [Substring] {
        (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n") ?? []
    }

    /// Waits until the child has acknowledged `count` writes in total (or has died).
    static func waitForAcknowledgements(_ count: Int, in path: String, of process: Process) {
        let deadline = Date().addingTimeInterval(120)
        while acknowledgements(path).count < count && process.isRunning && Date() < deadline {
            usleep(2000)
        }
    }

    static func kill(_ process: Process) {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @Test(arguments: [1, 16, 128])
    func killedLogKeepsEveryAcknowledgedRecord(tasks: Int) throws {
        let dir = TemporaryDirectory("crash-log")
        defer { dir.remove() }
        let acks = dir.file("acks")
        var random = SplitMix64(seed: UInt64(tasks))
        for round in 0..<4 {
            let before = Self.acknowledgements(acks).count
            let child = try Self.start(["log", dir.file("log"), acks, String(tasks)], errors: dir.file("stderr"))
            Self.waitForAcknowledgements(before + Int.random(in: 50...600, using: &random), in: acks, of: child)
            #expect(child.isRunning, "the child died by itself: \((try? String(contentsOfFile: dir.file("stderr"), encoding: .utf8)) ?? "")")
            let busy = #expect(throws: StorageError.self) { try DurableLog(directory: dir.file("log")) }
            #expect(busy?.code == .locked, "the running child owns the directory")
            Self.kill(child)
            try checkLog(at: dir.file("log"), acknowledgements: Self.acknowledgements(acks), round: round)
        }
    }

    private func checkLog(at path: String, acknowledgements: [Substring], round: Int) throws {
        let log = try DurableLog(directory: path)
        defer { log.close() }
        var highestHardState = 0
        for line in acknowledgements {
            let fields = line.split(separator: " ")
            if fields[0] == "A" {
                let index = LogIndex(UInt64(fields[1])!)
                let expected = TortureWorkload.logPayload(task: Int(fields[2])!, counter: Int(fields[3])!)
                #expect(index <= log.lastIndex, "round \(round): acknowledged record \(index) is missing")
                if index <= log.lastIndex { #expect(try log.record(at: index).payload == expected, "round \(round): record \(index)") }
            } else if fields[0] == "H" {
                highestHardState = max(highestHardState, Int(fields[1])!)
            }
        }
        // Every record in the log, acknowledged or not, is one the child wrote: no garbage.
        let records = try log.read(from: log.firstIndex, maxBytes: .max)
        #expect(records.count == log.firstIndex.distance(to: log.lastIndex) + 1)
        for record in records {
            let header = String(decoding: record.payload.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self)
            let numbers = header.dropFirst().split(separator: "c").compactMap { Int($0) }
            #expect(numbers.count == 2 && record.payload == TortureWorkload.logPayload(task: numbers[0], counter: numbers[1]),
                    "round \(round): record \(record.index) holds bytes the child never wrote")
        }
        if highestHardState > 0 {
            let saved = String(decoding: try #require(log.hardState), as: UTF8.self)
            #expect(Int(saved.split(separator: " ")[1])! >= highestHardState, "round \(round): hard state went back")
        }
    }

    @Test func killedStoreResumesExactlyAfterItsPosition() throws {
        let dir = TemporaryDirectory("crash-store")
        defer { dir.remove() }
        let acks = dir.file("acks")
        var random = SplitMix64(seed: 11)
        for round in 0..<4 {
            let before = Self.acknowledgements(acks).count
            let child = try Self.start(["store", dir.file("store"), acks], errors: dir.file("stderr"))
            Self.waitForAcknowledgements(before + Int.random(in: 20...300, using: &random), in: acks, of: child)
            #expect(child.isRunning, "the child died by itself: \((try? String(contentsOfFile: dir.file("stderr"), encoding: .utf8)) ?? "")")
            Self.kill(child)

            let store = try ShardStore(directory: dir.file("store"))
            defer { store.close() }
            let shard = try store.shard(ShardID(1))
            let applied = try shard.appliedPosition.index
            let acknowledged = Self.acknowledgements(acks).compactMap { $0.hasPrefix("S ") ? UInt64($0.dropFirst(2)) : nil }.max() ?? 0
            #expect(applied.rawValue >= acknowledged, "round \(round): position \(acknowledged) was acknowledged, store is at \(applied)")
            // The contents are exactly batches 1…applied: none lost, none applied twice, none torn.
            var model = ShardStorePropertyTests.Model()
            for position in stride(from: UInt64(1), through: applied.rawValue, by: 1) {
                for operation in TortureWorkload.storeBatch(position: position).operations { _ = model.apply(operation) }
            }
            let items = try shard.scan(from: [], limit: 1000, maxBytes: .max).items
            #expect(items.count == model.entries.count, "round \(round)")
            #expect(items.allSatisfy { model.entries[$0.key] == StoredValue(value: $0.value, version: $0.version) }, "round \(round)")
            #expect(try shard.statistics().keyCount == model.entries.count)
        }
    }

    /// A real kernel "file too large" (RLIMIT_FSIZE) in the child: the failing append
    /// returns `disk_full`, every acknowledged record stays readable, the next append fails
    /// the same way, and the log reopens cleanly without the limit and accepts appends.
    @Test func fullDiskInAChildProcess() throws {
        let dir = TemporaryDirectory("crash-full")
        defer { dir.remove() }
        let acks = dir.file("acks")
        let child = try Self.start(["fill", dir.file("log"), acks, "65536"], errors: dir.file("stderr"))
        child.waitUntilExit()
        #expect(child.terminationStatus == 0, "\((try? String(contentsOfFile: dir.file("stderr"), encoding: .utf8)) ?? "")")
        let lines = Self.acknowledgements(acks)
        let full = try #require(lines.first { $0.hasPrefix("FULL ") }).split(separator: " ")
        #expect(full[2] == "disk_full")
        #expect(lines.contains("AFTER disk_full"))
        let acknowledged = lines.filter { $0.hasPrefix("A ") }.map { UInt64($0.split(separator: " ")[1])! }
        #expect(acknowledged.count > 20)
        #expect(lines.contains("DONE \(acknowledged.count)"))

        let log = try DurableLog(directory: dir.file("log"))
        defer { log.close() }
        #expect(log.recovery.tornTail == nil, "the failed write was cut back before the child exited")
        #expect(log.lastIndex == LogIndex(acknowledged.max()!))
        for index in acknowledged {
            #expect(try log.record(at: LogIndex(index)).payload == TortureWorkload.logPayload(task: 0, counter: Int(index)))
        }
        try log.blocking.append([[1, 2, 3]], at: log.lastIndex.next)
        try log.blocking.sync()
    }
}
