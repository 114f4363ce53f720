import Foundation
@testable import KeelStorage
import KeelTypes

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "keel") {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}


extension SplitMix64 {
    /// Random bytes, `count` of them.
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}

/// Raw access to files for corrupting them in tests.
enum RawFile {
    static func read(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

    /// Replaces the file's contents in place (same inode, so open handles see the change).
    static func write(_ path: String, _ bytes: [UInt8]) {
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            return
        }
        try! handle.truncate(atOffset: 0)
        try! handle.write(contentsOf: Data(bytes))
        try! handle.close()
    }

    /// Flips every bit of the byte at `offset`.
    static func flipByte(_ path: String, at offset: Int) {
        var bytes = read(path)
        bytes[offset] ^= 0xFF
        write(path, bytes)
    }

    static func truncate(_ path: String, to size: Int) { write(path, Array(read(path).prefix(size))) }

    static func append(_ path: String, _ extra: [UInt8]) { write(path, read(path) + extra) }

    static func size(_ path: String) -> Int { read(path).count }

    /// The segment files of the log in `directory`, oldest first.
    static func segments(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".log") }.sorted().map { directory + "/" + $0 }
    }
}

/// Counts writes and syncs that reach the kernel, optionally holding the writer at a gate.
final class IOCounter: @unchecked Sendable {
    private let lock = NSLock()
    /// The simulated disk the writes go to, if any.
    let disk: DiskBudget?

    init(disk: DiskBudget? = nil) { self.disk = disk }
    private var recordWrites = 0
    private var syncs = 0
    private var gate: DispatchSemaphore?
    /// The semaphore `open()` signals: kept apart from `gate`, which the writer takes (and
    /// clears) when it reaches it, possibly before `open()` is called.
    private var opener: DispatchSemaphore?
    private var parkedAtGate = false

    /// Whether a write is waiting at the closed gate now.
    var isParked: Bool { lock.withLock { parkedAtGate } }

    /// Waits (up to 10 s) until the writer has reached the closed gate, so that what the
    /// test does next is queued behind the held write, whatever the machine's speed.
    func waitUntilParked() {
        for _ in 0..<100_000 where !isParked { usleep(100) }
    }

    /// Record writes (writes to segment files past the header) seen so far.
    var writes: Int { lock.withLock { recordWrites } }
    var syncCount: Int { lock.withLock { syncs } }

    /// Makes the next record write wait until `open()` is called.
    func closeGate() {
        lock.withLock {
            let semaphore = DispatchSemaphore(value: 0)
            gate = semaphore
            opener = semaphore
        }
    }

    func open() {
        let semaphore = lock.withLock { () -> DispatchSemaphore? in
            defer { opener = nil }
            return opener
        }
        semaphore?.signal()
    }

    var injector: IOFaultInjector {
        IOFaultInjector(
            beforeWrite: { [self] path, offset, count in
                if path.hasSuffix(".log") && offset >= 32 {
                    let gate = lock.withLock { () -> DispatchSemaphore? in
                        recordWrites += 1
                        defer { self.gate = nil }
                        return self.gate
                    }
                    if let gate {
                        lock.withLock { parkedAtGate = true }
                        gate.wait()
                        lock.withLock { parkedAtGate = false }
                    }
                }
                return disk?.consume(count) ?? .proceed
            },
            beforeSync: { [self] _ in
                lock.withLock { syncs += 1 }
                return nil
            })
    }
}

/// Payload `n` of a test: its index in a few recognisable bytes plus `extra` filler bytes.
func payload(_ n: Int, extra: Int = 0) -> [UInt8] {
    Array("record-\(n)".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: extra)
}
