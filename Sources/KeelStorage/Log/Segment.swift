/// One segment file of a `DurableLog`: a header, then records with contiguous indexes
/// starting at `first`. Only the last segment of a log is ever appended to.
///
/// `offsets` and `end` are read and written only under the owning log's monitor; the file
/// itself is read with positional reads by any thread.
final class Segment: @unchecked Sendable {
    let file: StorageFile
    let first: LogIndex
    let salt: UInt32
    /// File offset of each record, in index order.
    var offsets: [UInt64]
    /// File offset just past the last record (where the next write goes).
    var end: UInt64

    init(file: StorageFile, first: LogIndex, salt: UInt32, offsets: [UInt64], end: UInt64) {
        self.file = file
        self.first = first
        self.salt = salt
        self.offsets = offsets
        self.end = end
    }

    /// The index of the last record (`first - 1` while the segment is empty).
    var last: LogIndex { first.advanced(by: offsets.count - 1) }

    /// The file bytes holding records `from...through` (both in this segment).
    func byteRange(from: LogIndex, through: LogIndex) -> Range<UInt64> {
        let lower = offsets[first.distance(to: from)]
        let upperSlot = first.distance(to: through) + 1
        return lower..<(upperSlot < offsets.count ? offsets[upperSlot] : end)
    }

    /// Creates an empty segment whose first record will be `first`. The file appears under
    /// its final name only once its header is durable (write a temporary file, sync it,
    /// rename it, sync the directory), so a crash never leaves a segment without a header.
    static func create(in directory: String, first: LogIndex, faults: IOFaultInjector?) throws(StorageError) -> Segment {
        let name = LogFormat.segmentName(first)
        let temporary = directory + "/" + name + LogFormat.temporarySuffix
        let path = directory + "/" + name
        let salt = UInt32.random(in: 1...UInt32.max)
        let file = try StorageFile.open(temporary, create: true, faults: faults)
        do throws(StorageError) {
            try file.truncate(to: 0)
            try file.write(LogFormat.segmentHeader(first: first, salt: salt), at: 0)
            try file.sync()
            try FileSystem.rename(temporary, to: path)
        } catch {
            try? FileSystem.remove(temporary)
            throw error
        }
        try FileSystem.syncDirectory(directory)
        let reopened = try StorageFile.open(path, faults: faults)
        return Segment(file: reopened, first: first, salt: salt, offsets: [], end: UInt64(LogFormat.headerBytes))
    }

    /// What `recover` cut off the end of the last segment.
    struct Repair {
        var offset: UInt64
        var discardedBytes: UInt64
        var reason: String
    }

    /// Opens an existing segment and validates every record.
    ///
    /// A damaged record in a segment that is not the last one is `corrupt_log`. In the last
    /// segment, a damaged record is a torn tail (cut off, reported as a `Repair`) unless a
    /// valid record written by a *later* group-commit write follows it: the writer starts a
    /// write only after the previous one was synced, so such a record proves that the
    /// damaged one had been synced and acknowledged, and the damage is `corrupt_log`.
    static func recover(path: String, expectedFirst: LogIndex, isLast: Bool, maxRecordBytes: Int, faults: IOFaultInjector?)
        throws(StorageError) -> (Segment, Repair?)
    {
        let file = try StorageFile.open(path, faults: faults)
        let size = try file.size()
        let bytes = try file.read(count: Int(size), at: 0)
        let scan = try bytes.withStorageBytes { raw throws(StorageError) in
            try scanRecords(raw, path: path, expectedFirst: expectedFirst, isLast: isLast, maxRecordBytes: maxRecordBytes)
        }
        var repair: Repair?
        if scan.end < size {
            repair = Repair(offset: scan.end, discardedBytes: size - scan.end, reason: scan.damage ?? "damaged tail")
            try file.truncate(to: scan.end)
            try file.sync()
        }
        return (Segment(file: file, first: expectedFirst, salt: scan.salt, offsets: scan.offsets, end: scan.end), repair)
    }

    private struct Scan {
        var salt: UInt32
        var offsets: [UInt64]
        var end: UInt64
        var damage: String?
    }

    private static func scanRecords(_ raw: UnsafeRawBufferPointer, path: String, expectedFirst: LogIndex, isLast: Bool, maxRecordBytes: Int)
        throws(StorageError) -> Scan
    {
        let header: (first: LogIndex, salt: UInt32)
        switch LogFormat.parseSegmentHeader(raw) {
        case .success(let parsed): header = parsed
        case .failure(var error):
            error.path = path
            throw error
        }
        guard header.first == expectedFirst else {
            throw StorageError(.corruptLog, "segment header says first index \(header.first), file name says \(expectedFirst)", path: path, offset: 16)
        }
        var offsets: [UInt64] = []
        var offset = LogFormat.headerBytes
        var expected = expectedFirst
        while offset < raw.count {
            let problem: String
            switch LogFormat.decodeRecord(raw, at: offset, salt: header.salt, maxRecordBytes: maxRecordBytes) {
            case .success(let record) where record.index == expected:
                offsets.append(UInt64(offset))
                offset = record.end
                expected = expected.next
                continue
            case .success(let record):
                problem = "record has index \(record.index), expected \(expected)"
            case .failure(let error):
                problem = error.message
            }
            guard isLast else {
                throw StorageError(.corruptLog, "\(problem) (record \(expected), not at the end of the log)", path: path, offset: UInt64(offset))
            }
            if let later = laterWrite(in: raw, after: offset, tornWriteFirst: expected, salt: header.salt, maxRecordBytes: maxRecordBytes) {
                throw StorageError(
                    .corruptLog,
                    "\(problem) (record \(expected)), but a valid record written later follows at offset \(later): the damaged record had been synced",
                    path: path, offset: UInt64(offset))
            }
            return Scan(salt: header.salt, offsets: offsets, end: UInt64(offset), damage: problem)
        }
        return Scan(salt: header.salt, offsets: offsets, end: UInt64(offset), damage: nil)
    }

    /// The offset of a valid record past `offset` that belongs to a write started after the
    /// one that wrote record `tornWriteFirst` (its batch starts later), if there is one.
    private static func laterWrite(in raw: UnsafeRawBufferPointer, after offset: Int, tornWriteFirst: LogIndex, salt: UInt32, maxRecordBytes: Int) -> Int? {
        var candidate = offset + 8
        while candidate + LogFormat.recordHeaderBytes <= raw.count {
            if case .success(let record) = LogFormat.decodeRecord(raw, at: candidate, salt: salt, maxRecordBytes: maxRecordBytes),
               record.batchFirst > tornWriteFirst
            {
                return candidate
            }
            candidate += 8
        }
        return nil
    }
}
