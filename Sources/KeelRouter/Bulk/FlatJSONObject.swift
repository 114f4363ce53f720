/// A parser for one flat JSON object whose values are strings (or `null`), the shape of a
/// bulk NDJSON line: `{"key":"k","value":"v"}`.
///
/// Hand-written because a general JSON decoder allocates a tree per line and reports
/// errors vaguely; this one decodes straight into byte arrays and says which column is
/// wrong. It accepts standard JSON string escapes, including `\uXXXX` surrogate pairs.
struct FlatJSONObject {
    struct Failure: Error, Equatable {
        var column: Int
        var reason: String
    }

    /// Field name → decoded UTF-8 value bytes (`nil` for JSON `null`).
    private(set) var fields: [String: [UInt8]?] = [:]

    init(parsing line: [UInt8]) throws(Failure) {
        var parser = Parser(bytes: line)
        try parser.expect(UInt8(ascii: "{"))
        parser.skipWhitespace()
        if parser.peek() == UInt8(ascii: "}") {
            parser.position += 1
        } else {
            while true {
                parser.skipWhitespace()
                let name = String(decoding: try parser.string(), as: UTF8.self)
                try parser.expect(UInt8(ascii: ":"))
                parser.skipWhitespace()
                let value = try parser.stringOrNull()
                guard fields.updateValue(value, forKey: name) == nil else {
                    throw Failure(column: parser.position, reason: "duplicate field \"\(name)\"")
                }
                parser.skipWhitespace()
                if parser.peek() == UInt8(ascii: ",") {
                    parser.position += 1
                    continue
                }
                try parser.expect(UInt8(ascii: "}"))
                break
            }
        }
        parser.skipWhitespace()
        guard parser.atEnd else { throw Failure(column: parser.position + 1, reason: "unexpected text after the object") }
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position >= bytes.count }
        func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            skipWhitespace()
            guard peek() == byte else {
                throw Failure(column: position + 1, reason: "expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        mutating func stringOrNull() throws(Failure) -> [UInt8]? {
            if bytes[position...].starts(with: "null".utf8) {
                position += 4
                return nil
            }
            return try string()
        }

        mutating func string() throws(Failure) -> [UInt8] {
            guard peek() == UInt8(ascii: "\"") else {
                throw Failure(column: position + 1, reason: "expected a string (values must be JSON strings)")
            }
            position += 1
            var output: [UInt8] = []
            while let byte = peek() {
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return output
                case UInt8(ascii: "\\"):
                    try unescape(into: &output)
                case 0..<0x20:
                    throw Failure(column: position, reason: "control character in a string")
                default:
                    output.append(byte)
                }
            }
            throw Failure(column: position + 1, reason: "unterminated string")
        }

        private mutating func unescape(into output: inout [UInt8]) throws(Failure) {
            guard let escape = peek() else { throw Failure(column: position + 1, reason: "unterminated escape") }
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"): try unicodeEscape(into: &output)
            default: throw Failure(column: position, reason: "invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
            }
        }

        private mutating func unicodeEscape(into output: inout [UInt8]) throws(Failure) {
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard bytes[position...].starts(with: "\\u".utf8) else {
                    throw Failure(column: position, reason: "unpaired surrogate in \\u escape")
                }
                position += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw Failure(column: position, reason: "invalid low surrogate in \\u escape")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else {
                throw Failure(column: position, reason: "\\u escape is not a Unicode scalar")
            }
            output.append(contentsOf: UTF8.encode(unicode)!)
        }

        private mutating func hex4() throws(Failure) -> UInt32 {
            guard position + 4 <= bytes.count else { throw Failure(column: position + 1, reason: "truncated \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[position..<position + 4] {
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                    throw Failure(column: position + 1, reason: "invalid hex digit in \\u escape")
                }
                value = value << 4 | UInt32(digit)
            }
            position += 4
            return value
        }
    }
}
