/// The hard-state file: a small opaque record (Raft's term, vote and commit) replaced
/// atomically, in two checksummed slots.
///
/// ```
/// file  = slot 0 (4096 bytes) | slot 1 (4096 bytes)
/// slot  0  4  magic "KHS1"
///       4  4  CRC-32C of bytes 8..<24+length
///       8  8  sequence number (the save that wrote it; 0 = the empty initial state)
///      16  4  payload length (at most 4072)
///      20  4  reserved (0)
///      24  …  payload
/// ```
///
/// Save number n goes to slot n % 2, so it never overwrites the newest valid slot: a torn
/// save leaves the previous state readable. The file is created with a valid slot 0
/// (empty state) through a temporary file and a rename, so after creation at least one
/// slot is always valid unless the disk itself damaged data (`corrupt_hard_state`).
final class HardStateFile {
    static let slotBytes = 4096
    static let slotHeaderBytes = 24
    static let maxPayloadBytes = slotBytes - slotHeaderBytes
    static let magic: [UInt8] = Array("KHS1".utf8)
    static let name = "hardstate"

    private let file: StorageFile
    private(set) var sequence: UInt64
    /// The current state; nil when nothing was ever saved.
    private(set) var current: [UInt8]?

    private init(file: StorageFile, sequence: UInt64, current: [UInt8]?) {
        self.file = file
        self.sequence = sequence
        self.current = current
    }

    /// Opens (creating when missing) the hard-state file in `directory`.
    static func open(in directory: String, faults: IOFaultInjector?) throws(StorageError) -> HardStateFile {
        let path = directory + "/" + name
        if !FileSystem.exists(path) {
            let temporary = path + LogFormat.temporarySuffix
            let file = try StorageFile.open(temporary, create: true, faults: faults)
            try file.truncate(to: 0)
            try file.write(slot(sequence: 0, payload: []), at: 0)
            try file.truncate(to: UInt64(2 * slotBytes))
            try file.sync()
            try FileSystem.rename(temporary, to: path)
            try FileSystem.syncDirectory(directory)
        }
        let file = try StorageFile.open(path, faults: faults)
        let bytes = try file.read(count: 2 * slotBytes, at: 0)
        let slots = [0, 1].compactMap { parse(bytes, slot: $0) }
        guard let newest = slots.max(by: { $0.sequence < $1.sequence }) else {
            throw StorageError(.corruptHardState, "neither hard-state slot holds a valid record", path: path)
        }
        return HardStateFile(file: file, sequence: newest.sequence, current: newest.sequence == 0 ? nil : newest.payload)
    }

    /// Writes `payload` into the slot the next save uses (not yet durable); only the slot's
    /// header and payload are written, its checksum bounds what is read back. A failed
    /// write leaves the newest valid slot untouched (the next attempt writes the same
    /// slot again); like any failed write it may still have taken effect, so after a crash
    /// either the previous or the new state is read back, never a mix.
    func write(_ payload: [UInt8]) throws(StorageError) {
        guard payload.count <= Self.maxPayloadBytes else {
            throw StorageError(.tooLarge, "hard state of \(payload.count) bytes exceeds \(Self.maxPayloadBytes) bytes", path: file.path)
        }
        let next = sequence + 1
        try file.write(Self.slot(sequence: next, payload: payload), at: UInt64(Int(next % 2) * Self.slotBytes))
    }

    /// Makes the slot written by `write(payload)` durable; from then on it is the state.
    func sync(_ payload: [UInt8]) throws(StorageError) {
        try file.sync()
        sequence += 1
        current = payload
    }

    private static func slot(sequence: UInt64, payload: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(slotBytes)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(sequence)
        bytes.appendLittleEndian(UInt32(payload.count))
        bytes.appendLittleEndian(UInt32(0))
        bytes.append(contentsOf: payload)
        bytes.storeLittleEndian(CRC32C.checksum(bytes[8...]), at: 4)
        return bytes
    }

    private static func parse(_ bytes: [UInt8], slot: Int) -> (sequence: UInt64, payload: [UInt8])? {
        let start = slot * slotBytes
        guard bytes.count >= start + slotBytes else { return nil }
        return bytes.withUnsafeBytes { raw in
            let s = UnsafeRawBufferPointer(rebasing: raw[start..<(start + slotBytes)])
            guard s[0..<4].elementsEqual(magic) else { return nil }
            let length = Int(s.loadLittleEndian(at: 16, as: UInt32.self))
            guard length <= maxPayloadBytes,
                  s.loadLittleEndian(at: 4, as: UInt32.self) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: s[8..<(slotHeaderBytes + length)]))
            else { return nil }
            return (s.loadLittleEndian(at: 8, as: UInt64.self), Array(s[slotHeaderBytes..<(slotHeaderBytes + length)]))
        }
    }
}
