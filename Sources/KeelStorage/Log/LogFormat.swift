/// The byte layout of log segment files (docs/storage.md, "Log format").
///
/// A segment starts with a 32-byte header; records follow, each starting at a multiple of 8.
///
/// ```
/// header  0  8  magic "KEEL-LOG"
///         8  4  format version (1)
///        12  4  salt: a random seed for every record checksum in this segment
///        16  8  index of the segment's first record (also its file name)
///        24  4  reserved (0)
///        28  4  CRC-32C of bytes 0..<28
/// record  0  4  CRC-32C, seeded with the salt, of bytes 4..<24 and the payload
///         4  4  payload length
///         8  8  index
///        16  8  index of the first record of the write (group commit) that wrote it
///        24  …  payload, then zero padding to a multiple of 8
/// ```
enum LogFormat {
    static let magic: [UInt8] = Array("KEEL-LOG".utf8)
    static let version: UInt32 = 1
    static let headerBytes = 32
    static let recordHeaderBytes = 24
    static let segmentSuffix = ".log"
    static let temporarySuffix = ".tmp"

    /// The file name of the segment whose first record is `first`: 20 decimal digits, so
    /// names sort in index order.
    static func segmentName(_ first: LogIndex) -> String {
        let digits = String(first.rawValue)
        return String(repeating: "0", count: 20 - digits.count) + digits + segmentSuffix
    }

    /// The first index encoded in a segment file name, or nil for other files.
    static func firstIndex(ofSegmentNamed name: String) -> LogIndex? {
        guard name.hasSuffix(segmentSuffix) else { return nil }
        let stem = name.dropLast(segmentSuffix.count)
        guard stem.count == 20, stem.allSatisfy(\.isASCII), let value = UInt64(stem) else { return nil }
        return LogIndex(value)
    }

    static func segmentHeader(first: LogIndex, salt: UInt32) -> [UInt8] {
        var header = magic
        header.reserveCapacity(headerBytes)
        header.appendLittleEndian(version)
        header.appendLittleEndian(salt)
        header.appendLittleEndian(first.rawValue)
        header.appendLittleEndian(UInt32(0))
        header.appendLittleEndian(CRC32C.checksum(header))
        return header
    }

    /// A segment header's fields, or why it is invalid.
    static func parseSegmentHeader(_ bytes: UnsafeRawBufferPointer) -> Result<(first: LogIndex, salt: UInt32), StorageError> {
        guard bytes.count >= headerBytes else {
            return .failure(StorageError(.corruptLog, "segment is \(bytes.count) bytes, shorter than its \(headerBytes)-byte header"))
        }
        guard bytes.loadLittleEndian(at: 28, as: UInt32.self) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<28])),
              bytes[0..<8].elementsEqual(magic)
        else {
            return .failure(StorageError(.corruptLog, "segment header is damaged (bad magic or checksum)", offset: 0))
        }
        let fileVersion = bytes.loadLittleEndian(at: 8, as: UInt32.self)
        guard fileVersion == version else {
            return .failure(StorageError(.unsupportedFormat, "segment format \(fileVersion); this build reads format \(version)"))
        }
        return .success((LogIndex(bytes.loadLittleEndian(at: 16, as: UInt64.self)), bytes.loadLittleEndian(at: 12, as: UInt32.self)))
    }

    /// Bytes a record with a payload of `count` bytes takes, padding included.
    static func recordBytes(payload count: Int) -> Int { (recordHeaderBytes + count + 7) & ~7 }

    /// Appends one record to `buffer` (whose length must be a multiple of 8).
    static func appendRecord(_ payload: [UInt8], index: LogIndex, batchFirst: LogIndex, salt: UInt32, to buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.appendLittleEndian(UInt32(0))
        buffer.appendLittleEndian(UInt32(payload.count))
        buffer.appendLittleEndian(index.rawValue)
        buffer.appendLittleEndian(batchFirst.rawValue)
        buffer.append(contentsOf: payload)
        buffer.append(contentsOf: repeatElement(0, count: recordBytes(payload: payload.count) - recordHeaderBytes - payload.count))
        let crc = buffer.withUnsafeBytes { raw in
            let head = CRC32C.update(salt, UnsafeRawBufferPointer(rebasing: raw[(start + 4)..<(start + recordHeaderBytes)]))
            return CRC32C.update(head, payload)
        }
        buffer.storeLittleEndian(crc, at: start)
    }

    /// A record that passed its checksum.
    struct Record {
        var index: LogIndex
        var batchFirst: LogIndex
        var payload: Range<Int>
        /// Offset of the next record.
        var end: Int
    }

    /// Decodes the record at `offset` of `bytes`, or says why it is not a valid record.
    static func decodeRecord(_ bytes: UnsafeRawBufferPointer, at offset: Int, salt: UInt32, maxRecordBytes: Int) -> Result<Record, StorageError> {
        guard bytes.count - offset >= recordHeaderBytes else {
            return .failure(StorageError(.corruptLog, "incomplete record header (\(bytes.count - offset) bytes)"))
        }
        let length = Int(bytes.loadLittleEndian(at: offset + 4, as: UInt32.self))
        guard length <= maxRecordBytes else {
            return .failure(StorageError(.corruptLog, "record length \(length) exceeds the limit of \(maxRecordBytes) bytes"))
        }
        let end = offset + recordBytes(payload: length)
        guard end <= bytes.count else {
            return .failure(StorageError(.corruptLog, "incomplete record: \(length)-byte payload, \(bytes.count - offset) bytes left"))
        }
        let payload = (offset + recordHeaderBytes)..<(offset + recordHeaderBytes + length)
        let head = CRC32C.update(salt, UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + recordHeaderBytes)]))
        let crc = CRC32C.update(head, UnsafeRawBufferPointer(rebasing: bytes[payload]))
        guard crc == bytes.loadLittleEndian(at: offset, as: UInt32.self) else {
            return .failure(StorageError(.corruptLog, "record checksum mismatch"))
        }
        let index = LogIndex(bytes.loadLittleEndian(at: offset + 8, as: UInt64.self))
        let batchFirst = LogIndex(bytes.loadLittleEndian(at: offset + 16, as: UInt64.self))
        guard batchFirst <= index else {
            return .failure(StorageError(.corruptLog, "record \(index) claims a write starting at \(batchFirst)"))
        }
        return .success(Record(index: index, batchFirst: batchFirst, payload: payload, end: end))
    }
}
