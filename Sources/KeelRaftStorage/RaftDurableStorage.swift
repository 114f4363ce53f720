import KeelRaft
import KeelRaftWire
import KeelStorage
import KeelWire

/// Durable storage for one Raft node: the log and hard state in a `DurableLog`, the latest
/// snapshot in a checksummed file written atomically.
///
/// It carries out the persistence half of a `RaftOutput` (snapshot, then entries and hard
/// state, synced) and rebuilds a `RaftBootstrap` after a restart. The caller sends the
/// output's messages only after `persist` returns: that is the one rule of docs/raft.md.
///
/// Layout of `directory`: `log/` (segments and hard state, docs/storage.md) and `snapshot`
/// (`"KRSN"`, u32 format version, u32 CRC32C of the body, body = `Snapshot` wire encoding).
public final class RaftDurableStorage: Sendable {
    public let directory: String
    let log: DurableLog
    private var snapshotPath: String { directory + "/snapshot" }

    public init(directory: String, logOptions: DurableLog.Options = DurableLog.Options()) throws(StorageError) {
        self.directory = directory
        self.log = try DurableLog(directory: directory + "/log", options: logOptions)
    }

    public func close() { log.close() }

    /// True when nothing was ever persisted here (a brand-new member).
    public var isEmpty: Bool { log.hardState == nil && log.lastIndex < log.firstIndex }

    /// Persists a bootstrap as the starting state (a new group's initial configuration).
    public func initialize(with bootstrap: RaftBootstrap) async throws(StorageError) {
        precondition(isEmpty, "initialize only an empty storage")
        if bootstrap.snapshot.metadata.index > .zero { try writeSnapshot(bootstrap.snapshot) }
        try await log.reset(nextIndex: KeelStorage.LogIndex(bootstrap.snapshot.metadata.index.rawValue + 1))
        if !bootstrap.entries.isEmpty {
            try await log.append(bootstrap.entries.map { $0.wireEncoded() }, at: KeelStorage.LogIndex(bootstrap.entries[0].index.rawValue))
        }
        try await log.saveHardState(bootstrap.hardState.wireEncoded())
    }

    /// What a restarted node starts from. The state machine must be rebuilt from the
    /// snapshot, so `applied` is the snapshot's index.
    public func load() throws(StorageError) -> RaftBootstrap {
        let hardState = try log.hardState.map { bytes throws(StorageError) in
            do { return try HardState(wireEncoded: bytes) } catch {
                throw StorageError(.corruptHardState, "undecodable Raft hard state: \(error)", path: directory)
            }
        } ?? HardState()
        let snapshot = try readSnapshot() ?? Snapshot(metadata: SnapshotMetadata(index: .zero, term: .zero, configuration: .empty), data: [])
        let after = snapshot.metadata.index.rawValue + 1
        var entries: [Entry] = []
        if log.lastIndex.rawValue >= after {
            guard log.firstIndex.rawValue <= after else {
                throw StorageError(.logGap, "the log starts at \(log.firstIndex) but the snapshot ends at \(snapshot.metadata.index)", path: directory)
            }
            var next = KeelStorage.LogIndex(after)
            while next <= log.lastIndex {
                let records = try log.read(from: next, maxBytes: 16 << 20)
                for record in records {
                    do {
                        entries.append(try Entry(wireEncoded: record.payload))
                    } catch {
                        throw StorageError(.corruptLog, "undecodable Raft entry at \(record.index): \(error)", path: directory)
                    }
                }
                next = KeelStorage.LogIndex(next.rawValue + UInt64(records.count))
            }
        }
        return RaftBootstrap(hardState: hardState, snapshot: snapshot, entries: entries)
    }

    /// Carries out steps 1 and 2 of the output contract: the snapshot, then entries and hard
    /// state, all durable when this returns.
    public func persist(_ output: RaftOutput) async throws(StorageError) {
        if let snapshot = output.snapshot {
            try writeSnapshot(snapshot)
            let next = KeelStorage.LogIndex(snapshot.metadata.index.rawValue + 1)
            if output.restoreStateMachine {
                try await log.reset(nextIndex: next)
            } else {
                try await log.compact(before: next)
            }
        }
        if let first = output.entriesToPersist.first {
            let firstIndex = KeelStorage.LogIndex(first.index.rawValue)
            if firstIndex <= log.lastIndex {
                try await log.truncateSuffix(after: KeelStorage.LogIndex(first.index.rawValue - 1))
            }
            try await log.append(output.entriesToPersist.map { $0.wireEncoded() }, at: firstIndex)
        }
        if let hardState = output.hardState {
            try await log.saveHardState(hardState.wireEncoded())
        }
    }

    // MARK: Snapshot file

    private static let magic: [UInt8] = Array("KRSN".utf8)
    private static let formatVersion: UInt32 = 1

    private func writeSnapshot(_ snapshot: Snapshot) throws(StorageError) {
        let body = snapshot.wireEncoded()
        var file = Self.magic
        file += withUnsafeBytes(of: Self.formatVersion.littleEndian, Array.init)
        file += withUnsafeBytes(of: CRC32C.checksum(body).littleEndian, Array.init)
        file += body
        try AtomicFile.write(file, to: snapshotPath)
    }

    private func readSnapshot() throws(StorageError) -> Snapshot? {
        guard let file = try AtomicFile.read(snapshotPath) else { return nil }
        guard file.count >= 12, Array(file[0..<4]) == Self.magic else {
            throw StorageError(.corruptLog, "the snapshot file has no KRSN header", path: snapshotPath)
        }
        let version = Self.uint32(file[4..<8])
        guard version == Self.formatVersion else {
            throw StorageError(.unsupportedFormat, "snapshot format \(version) is not \(Self.formatVersion)", path: snapshotPath)
        }
        let body = file[12...]
        guard CRC32C.checksum(body) == Self.uint32(file[8..<12]) else {
            throw StorageError(.corruptLog, "the snapshot fails its checksum", path: snapshotPath)
        }
        do {
            return try Snapshot(wireEncoded: body)
        } catch {
            throw StorageError(.corruptLog, "undecodable snapshot: \(error)", path: snapshotPath)
        }
    }

    private static func uint32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
}
