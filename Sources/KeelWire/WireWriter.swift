/// Appends values in the Keel wire format to a growable byte buffer.
///
/// Integers are little-endian when fixed-width and LEB128 when variable-width (`writeVarint`);
/// byte strings, strings and arrays are preceded by their length (a varint); optionals by a
/// one-byte tag (0 absent, 1 present); nested structs by their length in bytes, which is what
/// lets an older reader skip fields it does not know. Writing never fails: limits are
/// enforced by the reader and by the transport's frame size.
public struct WireWriter: Sendable {
    /// Everything written so far.
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written so far.
    public var count: Int { bytes.count }

    // MARK: Integers

    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }
    public mutating func writeUInt16(_ value: UInt16) { writeFixed(value) }
    public mutating func writeUInt32(_ value: UInt32) { writeFixed(value) }
    public mutating func writeUInt64(_ value: UInt64) { writeFixed(value) }

    /// Writes `value` in `MemoryLayout<T>.size` bytes, least significant first.
    public mutating func writeFixed<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        for shift in stride(from: 0, to: T.bitWidth, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }

    /// Writes `value` as an unsigned LEB128 varint (1 to 10 bytes, minimal length).
    public mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Writes a signed integer as a zigzag varint, so small negative numbers stay short.
    public mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Writes `false` as 0 and `true` as 1.
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    // MARK: Byte strings

    /// Writes a varint length followed by the bytes.
    public mutating func writeBytes(_ value: some Collection<UInt8>) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Writes a string as its UTF-8 bytes, length-prefixed.
    public mutating func writeString(_ value: String) {
        var value = value
        value.withUTF8 { writeBytes($0) }
    }

    /// Appends bytes with no length prefix (for a buffer that is already an encoding).
    public mutating func writeRaw(_ value: some Collection<UInt8>) { bytes.append(contentsOf: value) }

    // MARK: Composites

    /// Writes a presence tag (0 or 1), then the value if present.
    public mutating func writeOptional<T>(_ value: T?, _ writeValue: (inout WireWriter, T) -> Void) {
        guard let value else { return writeBool(false) }
        writeBool(true)
        writeValue(&self, value)
    }

    /// Writes a varint element count, then each element.
    public mutating func writeArray<C: Collection>(_ elements: C, _ writeElement: (inout WireWriter, C.Element) -> Void) {
        writeVarint(UInt64(elements.count))
        for element in elements { writeElement(&self, element) }
    }

    /// Writes a struct: its length in bytes (a varint), then whatever `writeFields` writes.
    ///
    /// The length is patched in after the fields are written: one byte is reserved, and the
    /// (rare) struct of 128 bytes or more moves its fields to make room for a longer varint.
    public mutating func writeStruct(_ writeFields: (inout WireWriter) -> Void) {
        let start = bytes.count
        bytes.append(0)
        writeFields(&self)
        let length = bytes.count - start - 1
        if length < 0x80 {
            bytes[start] = UInt8(length)
            return
        }
        let prefixBytes = WireWriter.varintByteCount(UInt64(length))
        bytes.insert(contentsOf: repeatElement(0, count: prefixBytes - 1), at: start + 1)
        var rest = UInt64(length)
        for index in start..<(start + prefixBytes) {
            bytes[index] = UInt8(truncatingIfNeeded: rest) | (index < start + prefixBytes - 1 ? 0x80 : 0)
            rest >>= 7
        }
    }

    /// Writes a nested value with its type's framing (length-prefixed unless `.inline`).
    public mutating func write<T: WireCodable>(_ value: T) {
        switch T.wireFraming {
        case .inline: value.encode(to: &self)
        case .lengthPrefixed: writeStruct { value.encode(to: &$0) }
        }
    }

    /// Writes an optional nested value.
    public mutating func writeOptional<T: WireCodable>(_ value: T?) {
        writeOptional(value) { writer, present in writer.write(present) }
    }

    /// Writes an array of nested values.
    public mutating func writeArray<C: Collection>(_ elements: C) where C.Element: WireCodable {
        writeArray(elements) { writer, element in writer.write(element) }
    }

    /// Number of bytes `writeVarint(value)` writes.
    public static func varintByteCount(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }
}
