/// An RFC 4180 CSV record parser over a byte buffer: fields separated by `,`, records by
/// `\n` or `\r\n`, fields optionally in double quotes (with `""` for a quote, and newlines
/// allowed inside quotes).
struct CSVRecordParser {
    /// Parses one record from the start of `bytes`; nil when the record is not complete yet
    /// (and `isEnd` is false). Returns the fields and the bytes consumed.
    func parseRecord(_ bytes: ArraySlice<UInt8>, isEnd: Bool) throws -> ([[UInt8]], Int)? {
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var index = bytes.startIndex
        var quoted = false
        var fieldWasQuoted = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.endIndex, bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 2
                        continue
                    }
                    if index + 1 == bytes.endIndex && !isEnd { return nil }
                    quoted = false
                } else {
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                guard field.isEmpty, !fieldWasQuoted else { throw ImportError("a quote inside an unquoted CSV field") }
                quoted = true
                fieldWasQuoted = true
            case UInt8(ascii: ","):
                fields.append(field)
                field = []
                fieldWasQuoted = false
            case UInt8(ascii: "\r") where index + 1 < bytes.endIndex && bytes[index + 1] == UInt8(ascii: "\n"):
                break  // the \r of a \r\n record end
            case UInt8(ascii: "\n"):
                fields.append(field)
                return (fields, index + 1 - bytes.startIndex)
            default:
                field.append(byte)
            }
            index += 1
        }
        guard isEnd, !bytes.isEmpty else { return nil }
        guard !quoted else { throw ImportError("the file ends inside a quoted CSV field") }
        fields.append(field)
        return (fields, bytes.count)
    }
}
