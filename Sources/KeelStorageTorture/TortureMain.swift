import KeelStorage
import KeelTypes

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `keel-storage-torture`: a child process for KeelStorage's crash tests. It writes to a log
/// or a shard store as fast as it can and, after each write is acknowledged (durable),
/// appends a line to an acknowledgement file. The test kills it with SIGKILL at a random
/// moment and checks on reopening that every acknowledged write is there and intact.
///
/// ```
/// keel-storage-torture log   DIR ACKS TASKS     concurrent async appends (+ hard-state saves)
/// keel-storage-torture store DIR ACKS           shard batches applied at positions 1, 2, 3, …
/// keel-storage-torture fill  DIR ACKS MAXBYTES  appends under RLIMIT_FSIZE until the disk is "full"
/// ```
///
/// Acknowledgement lines: `A index task counter` (log record), `H n` (hard state n saved),
/// where n is a log index, so it only grows,
/// `S position` (store batch applied), `FULL index code`, `AFTER code`, `DONE records`.
@main
struct TortureMain {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4 else { fail("usage: keel-storage-torture log|store|fill DIR ACKS [N]") }
        let acks = AckFile(path: arguments[3])
        do {
            switch arguments[1] {
            case "log": try await appendForever(directory: arguments[2], tasks: Int(arguments[safe: 4] ?? "16") ?? 16, acks: acks)
            case "store": try applyForever(directory: arguments[2], acks: acks)
            case "fill": try fillDisk(directory: arguments[2], maxFileBytes: Int(arguments[safe: 4] ?? "") ?? 65536, acks: acks)
            default: fail("unknown mode \(arguments[1])")
            }
        } catch {
            fail("\(error)")
        }
    }

    /// `tasks` concurrent appenders; task 0 also saves the hard state every 64 of its appends.
    static func appendForever(directory: String, tasks: Int, acks: AckFile) async throws {
        let log = try DurableLog(directory: directory, options: .init(segmentTargetBytes: 256 << 10))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var counter = 0
                    while true {
                        counter += 1
                        let index = try await log.append(TortureWorkload.logPayload(task: task, counter: counter))
                        acks.write("A \(index.rawValue) \(task) \(counter)")
                        if task == 0 && counter % 64 == 0 {
                            // The saved value grows across restarts: the index just appended.
                            try await log.saveHardState(TortureWorkload.hardState(Int(index.rawValue)))
                            acks.write("H \(index.rawValue)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Applies `TortureWorkload.storeBatch(p)` at position p = applied + 1, applied + 2, …
    static func applyForever(directory: String, acks: AckFile) throws {
        let store = try ShardStore(directory: directory)
        let shard = try (try? store.shard(ShardID(1))) ?? store.createShard(ShardID(1), range: .all)
        var position = try shard.appliedPosition.index.next
        while true {
            _ = try shard.apply(TortureWorkload.storeBatch(position: position.rawValue), records: position...position, term: 1)
            acks.write("S \(position.rawValue)")
            position = position.next
        }
    }

    /// Appends records under a file-size limit until an append fails, then checks that the
    /// failure is `disk_full`, that every record is still readable and that the log still
    /// answers (and refuses the next append the same way).
    static func fillDisk(directory: String, maxFileBytes: Int, acks: AckFile) throws {
        signal(SIGXFSZ, SIG_IGN)  // writes past the limit fail with EFBIG instead of killing us
        var limit = rlimit(rlim_cur: rlim_t(maxFileBytes), rlim_max: rlim_t(maxFileBytes))
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        #else
        let resource = RLIMIT_FSIZE
        #endif
        guard setrlimit(resource, &limit) == 0 else { fail("setrlimit failed") }
        let log = try DurableLog(directory: directory, options: .init(segmentTargetBytes: UInt64(maxFileBytes) * 4))
        var index = log.lastIndex.next
        while true {
            do {
                try log.blocking.append([TortureWorkload.logPayload(task: 0, counter: Int(index.rawValue))], at: index)
                try log.blocking.sync()
            } catch {
                acks.write("FULL \(index.rawValue) \(error.code)")
                break
            }
            acks.write("A \(index.rawValue) 0 \(index.rawValue)")
            index = index.next
        }
        let records = try log.read(from: log.firstIndex, maxBytes: .max)
        do {
            try log.blocking.append([TortureWorkload.logPayload(task: 0, counter: Int(index.rawValue))], at: index)
            try log.blocking.sync()
            acks.write("AFTER none")
        } catch {
            acks.write("AFTER \(error.code)")
        }
        log.close()
        acks.write("DONE \(records.count)")
    }

    static func fail(_ message: String) -> Never {
        FileHandleStandardError.write("keel-storage-torture: \(message)\n")
        exit(3)
    }
}

/// The deterministic content the torture writes, so the test can check what it reads back.
enum TortureWorkload {
    /// Log record `counter` of appender `task`: a readable header and 0–700 filler bytes.
    static func logPayload(task: Int, counter: Int) -> [UInt8] {
        Array("t\(task)c\(counter);".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: task &+ counter), count: (task * 31 + counter * 17) % 700)
    }

    static func hardState(_ n: Int) -> [UInt8] { Array("hard-state \(n)".utf8) }

    /// The batch applied at store position `position`: puts two of 64 keys, deletes a third.
    static func storeBatch(position: UInt64) -> WriteBatch {
        let p = Int(position)
        return WriteBatch([
            .put(key: key(p % 64), value: logPayload(task: 1, counter: p)),
            .put(key: key((p * 7) % 64), value: [UInt8](repeating: UInt8(p % 256), count: p % 3000)),
            .delete(key: key((p * 13) % 64)),
        ])
    }

    static func key(_ n: Int) -> [UInt8] { Array("key-\(n)".utf8) }
}

/// Appends whole lines to a file, one `write` each (atomic with O_APPEND). Survives our
/// own death by SIGKILL because the kernel already holds the bytes.
final class AckFile: Sendable {
    let descriptor: Int32

    init(path: String) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if descriptor < 0 { TortureMain.fail("cannot open \(path)") }
    }

    func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count { TortureMain.fail("cannot write acknowledgement") }
    }
}

enum FileHandleStandardError {
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { systemWrite(2, $0.baseAddress, $0.count) }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// write(2), named apart from the `write` methods above.
func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
