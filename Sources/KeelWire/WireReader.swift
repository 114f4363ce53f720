/// Reads values in the Keel wire format from a byte slice, never trapping on bad input.
///
/// Every read is bounds-checked and throws a `WireError` when the bytes run out
/// (`truncated`), exceed a caller's bound (`oversize`), or cannot be a valid encoding
/// (`malformed`). A length or count is checked against its bound and against the bytes
/// that remain before anything is allocated, so a huge length prefix costs nothing.
/// Nesting is limited by `WireLimits.maxDepth`.
///
/// Every read throws exactly `WireError` (typed throws). Closures passed to `readArray`,
/// `readOptional`, `readStruct` and `readIfPresent` must say so, as Swift does not yet infer
/// a closure's thrown type: `reader.readArray(maxCount: 8) { (r: inout WireReader) throws(WireError) in
/// try r.readBytes(maxCount: 16) }`. Arrays of `WireCodable` values need no closure.
///
/// A reader handed to a struct's decoder (`readStruct`, `read(_:)`) sees only that
/// struct's bytes: `isAtEnd` tells a decoder that the writer had no more fields, and bytes
/// left unread are skipped when the decoder returns (a newer writer's fields).
public struct WireReader {
    private let bytes: ArraySlice<UInt8>
    /// Index of the next byte to read, in `bytes`' index space.
    private var position: Int
    /// Index of the first byte of the outermost buffer, for error offsets.
    private let origin: Int
    private var depth: Int
    /// The bounds this reader enforces.
    public let limits: WireLimits

    public init(_ bytes: ArraySlice<UInt8>, limits: WireLimits = .default) {
        self.init(bytes, origin: bytes.startIndex, depth: 0, limits: limits)
    }

    public init(_ bytes: [UInt8], limits: WireLimits = .default) {
        self.init(bytes[...], limits: limits)
    }

    private init(_ bytes: ArraySlice<UInt8>, origin: Int, depth: Int, limits: WireLimits) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.origin = origin
        self.depth = depth
        self.limits = limits
    }

    /// Bytes not yet read (in the current struct, for a struct's reader).
    public var remainingCount: Int { bytes.endIndex - position }

    /// Whether every byte has been read: for a struct's reader, the writer wrote no more fields.
    public var isAtEnd: Bool { position == bytes.endIndex }

    /// Offset of the next byte from the start of the outermost buffer.
    public var offset: Int { position - origin }

    /// The bytes not yet read, without consuming them.
    public var remainingBytes: ArraySlice<UInt8> { bytes[position...] }

    // MARK: Errors

    func error(_ code: WireError.Code, _ message: String, at index: Int? = nil) -> WireError {
        WireError(code, message, offset: (index ?? position) - origin)
    }

    private func requireBytes(_ count: Int, for what: @autoclosure () -> String) throws(WireError) {
        guard count <= remainingCount else {
            throw error(.truncated, "\(what()) needs \(count) bytes, \(remainingCount) remain")
        }
    }

    // MARK: Integers

    public mutating func readUInt8() throws(WireError) -> UInt8 {
        try requireBytes(1, for: "UInt8")
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func readUInt16() throws(WireError) -> UInt16 { try readFixed(UInt16.self) }
    public mutating func readUInt32() throws(WireError) -> UInt32 { try readFixed(UInt32.self) }
    public mutating func readUInt64() throws(WireError) -> UInt64 { try readFixed(UInt64.self) }

    /// Reads a little-endian integer of `MemoryLayout<T>.size` bytes.
    public mutating func readFixed<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(WireError) -> T {
        let width = T.bitWidth / 8
        try requireBytes(width, for: "\(T.self)")
        var value: T = 0
        for index in 0..<width {
            value |= T(bytes[position + index]) << (index * 8)
        }
        position += width
        return value
    }

    /// Reads an unsigned LEB128 varint. Rejects encodings longer than 10 bytes, values over
    /// 64 bits, and non-minimal encodings (so that every value has exactly one encoding).
    public mutating func readVarint() throws(WireError) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        for index in 0..<10 {
            guard position < bytes.endIndex else { throw error(.truncated, "varint is cut off", at: start) }
            let byte = bytes[position]
            position += 1
            if index == 9 && byte > 1 { throw error(.malformed, "varint exceeds 64 bits", at: start) }
            value |= UInt64(byte & 0x7F) << (7 * UInt64(index))
            if byte & 0x80 == 0 {
                if byte == 0 && index > 0 { throw error(.malformed, "varint is not minimal", at: start) }
                return value
            }
        }
        throw error(.malformed, "varint is longer than 10 bytes", at: start)
    }

    /// Reads a varint that must fit in `T`; a larger value is `oversize`.
    public mutating func readVarint<T: FixedWidthInteger & UnsignedInteger>(as _: T.Type) throws(WireError) -> T {
        let start = position
        let value = try readVarint()
        guard let narrowed = T(exactly: value) else {
            throw error(.oversize, "varint \(value) does not fit in \(T.self)", at: start)
        }
        return narrowed
    }

    /// Reads a zigzag varint written by `writeSignedVarint`.
    public mutating func readSignedVarint() throws(WireError) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Reads a boolean: exactly 0 or 1, anything else is `malformed`.
    public mutating func readBool() throws(WireError) -> Bool {
        let start = position
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw error(.malformed, "boolean byte is \(other)", at: start)
        }
    }

    // MARK: Byte strings

    /// Reads a length prefix bounded by `maxCount` and by the bytes that remain.
    private mutating func readLength(maxCount: Int, of what: String) throws(WireError) -> Int {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(maxCount) else {
            throw error(.oversize, "\(what) of \(length) exceeds the limit of \(maxCount)", at: start)
        }
        let count = Int(length)
        guard count <= remainingCount else {
            throw error(.truncated, "\(what) of \(count) bytes, \(remainingCount) remain", at: start)
        }
        return count
    }

    /// Reads a length-prefixed byte string of at most `maxCount` bytes, without copying.
    public mutating func readByteSlice(maxCount: Int) throws(WireError) -> ArraySlice<UInt8> {
        let count = try readLength(maxCount: maxCount, of: "byte string")
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    /// Reads a length-prefixed byte string of at most `maxCount` bytes.
    public mutating func readBytes(maxCount: Int) throws(WireError) -> [UInt8] {
        Array(try readByteSlice(maxCount: maxCount))
    }

    /// Reads a length-prefixed UTF-8 string of at most `maxBytes` bytes; invalid UTF-8 is `malformed`.
    public mutating func readString(maxBytes: Int) throws(WireError) -> String {
        let start = position
        let utf8 = try readByteSlice(maxCount: maxBytes)
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw error(.malformed, "string is not valid UTF-8", at: start)
        }
        return string
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int) throws(WireError) {
        try requireBytes(count, for: "skip")
        position += count
    }

    // MARK: Composites

    /// Reads a presence tag, then the value if present.
    public mutating func readOptional<T>(_ readValue: (inout WireReader) throws(WireError) -> T) throws(WireError) -> T? {
        try readBool() ? try readValue(&self) : nil
    }

    /// Reads an element count (at most `maxCount`), then each element.
    public mutating func readArray<T>(maxCount: Int, _ readElement: (inout WireReader) throws(WireError) -> T) throws(WireError) -> [T] {
        let start = position
        let count = try readVarint()
        guard count <= UInt64(maxCount) else {
            throw error(.oversize, "array of \(count) elements exceeds the limit of \(maxCount)", at: start)
        }
        var elements: [T] = []
        elements.reserveCapacity(min(Int(count), remainingCount))
        for _ in 0..<Int(count) { elements.append(try readElement(&self)) }
        return elements
    }

    /// Reads a struct: a length prefix, then `readFields` on a reader bounded to the struct.
    /// Bytes `readFields` leaves unread are skipped: they are fields of a newer writer.
    public mutating func readStruct<T>(_ readFields: (inout WireReader) throws(WireError) -> T) throws(WireError) -> T {
        let start = position
        let length = try readLength(maxCount: Int.max, of: "struct")
        var fields = WireReader(bytes[position..<(position + length)], origin: origin, depth: depth + 1, limits: limits)
        try fields.checkDepth(at: start)
        let value = try readFields(&fields)
        position += length
        return value
    }

    /// Reads a nested value with its type's framing (see `WireWriter.write(_:)`).
    public mutating func read<T: WireCodable>(_: T.Type) throws(WireError) -> T {
        switch T.wireFraming {
        case .lengthPrefixed:
            return try readStruct { (fields: inout WireReader) throws(WireError) in try T(from: &fields) }
        case .inline:
            depth += 1
            defer { depth -= 1 }
            try checkDepth(at: position)
            return try T(from: &self)
        }
    }

    /// Reads an optional nested value.
    public mutating func readOptional<T: WireCodable>(_: T.Type) throws(WireError) -> T? {
        try readOptional { (reader: inout WireReader) throws(WireError) in try reader.read(T.self) }
    }

    /// Reads an array of at most `maxCount` nested values.
    public mutating func readArray<T: WireCodable>(of _: T.Type, maxCount: Int) throws(WireError) -> [T] {
        try readArray(maxCount: maxCount) { (reader: inout WireReader) throws(WireError) in try reader.read(T.self) }
    }

    /// Reads a field that a writer older than the field does not send: nil when the struct
    /// has no more bytes. Use it for every field appended after a struct's first version.
    public mutating func readIfPresent<T>(_ readField: (inout WireReader) throws(WireError) -> T) throws(WireError) -> T? {
        isAtEnd ? nil : try readField(&self)
    }

    /// Throws `malformed` unless every byte has been read (for encodings that cannot grow).
    public func expectEnd<T>(for _: T.Type) throws(WireError) {
        guard isAtEnd else { throw error(.malformed, "\(remainingCount) bytes after the end of \(T.self)") }
    }

    private func checkDepth(at index: Int) throws(WireError) {
        guard depth <= limits.maxDepth else {
            throw error(.nestingTooDeep, "values nested deeper than \(limits.maxDepth)", at: index)
        }
    }
}
