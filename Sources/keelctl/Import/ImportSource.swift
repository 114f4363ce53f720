import Foundation

/// Reads an import file as NDJSON record lines, from a byte offset, in bounded chunks.
///
/// NDJSON lines pass through unchanged; CSV records (`key,value`, RFC 4180 quoting, an
/// optional header row) are converted to NDJSON lines `{"key":…,"value":…}`. Each record's
/// end offset in the file is known, which is what makes an import resumable.
struct ImportSource {
    enum Format: String, Sendable { case ndjson, csv }

    let handle: FileHandle
    let format: Format
    /// Bytes read from the file and not yet consumed: `pending[cursor...]`.
    private var pending: [UInt8] = []
    private var cursor = 0
    private var pendingStartOffset: UInt64
    private var atEOF = false
    private var csv = CSVRecordParser()
    private var skipHeader: Bool

    init(path: String, format: Format, startOffset: UInt64, csvHeader: Bool) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportError("cannot open \(path)") }
        try handle.seek(toOffset: startOffset)
        self.handle = handle
        self.format = format
        self.pendingStartOffset = startOffset
        self.skipHeader = csvHeader && startOffset == 0
    }

    /// The next segment: NDJSON text of whole records totalling about `targetBytes`, the file
    /// offset just after its last record, the lines it covers and the records it holds (nil
    /// at the end). The segment has one line per source line (a blank line for a CSV header
    /// or a blank source line), so an error's line number plus the segment's first line is
    /// the line in the file.
    mutating func nextSegment(targetBytes: Int) throws -> (body: [UInt8], endOffset: UInt64, lines: Int, records: Int)? {
        var body: [UInt8] = []
        var lines = 0
        var records = 0
        body.reserveCapacity(targetBytes + 4096)
        while body.count < targetBytes {
            guard let next = try nextRecord() else { break }
            var record = next.ndjson
            pendingStartOffset += UInt64(next.consumed)
            lines += 1
            if skipHeader {
                skipHeader = false
                record = []
            }
            if !record.isEmpty { records += 1 }
            body += record
            body.append(UInt8(ascii: "\n"))
        }
        return lines == 0 ? nil : (body, pendingStartOffset, lines, records)
    }

    /// The next record as an NDJSON line (without newline) and the file bytes it took.
    private mutating func nextRecord() throws -> (ndjson: [UInt8], consumed: Int)? {
        while true {
            let unread = pending[cursor...]
            switch format {
            case .ndjson:
                if let newline = unread.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = Array(unread[..<newline])
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    let consumed = newline + 1 - cursor
                    cursor = newline + 1
                    return (line, consumed)
                }
                if atEOF {
                    guard !unread.isEmpty else { return nil }
                    cursor = pending.count
                    return (Array(unread), unread.count)
                }
            case .csv:
                if let (fields, consumed) = try csv.parseRecord(unread, isEnd: atEOF) {
                    cursor += consumed
                    return (try Self.ndjson(fromCSV: fields), consumed)
                }
                if atEOF { return nil }
            }
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty {
                atEOF = true
            } else {
                pending = Array(unread) + chunk
                cursor = 0
            }
        }
    }

    static func ndjson(fromCSV fields: [[UInt8]]) throws -> [UInt8] {
        if fields.count == 1 && fields[0].isEmpty { return [] }  // blank line
        guard fields.count == 2 else { throw ImportError("a CSV record has \(fields.count) fields; expected key,value") }
        let key = String(decoding: fields[0], as: UTF8.self)
        let value = String(decoding: fields[1], as: UTF8.self)
        let object = try JSONSerialization.data(withJSONObject: ["key": key, "value": value], options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(object)
    }
}

struct ImportError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
