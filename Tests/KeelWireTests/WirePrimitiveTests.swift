import KeelWire
import Testing

@Suite("Wire primitives")
struct WirePrimitiveTests {
    @Test("fixed-width integers are little-endian")
    func fixedWidthLayout() throws {
        var writer = WireWriter()
        writer.writeUInt16(0x0102)
        writer.writeUInt32(0x0304_0506)
        writer.writeUInt64(0x0708_090A_0B0C_0D0E)
        #expect(writer.bytes == [0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 0x0E, 0x0D, 0x0C, 0x0B, 0x0A, 0x09, 0x08, 0x07])
        var reader = WireReader(writer.bytes)
        #expect(try reader.readUInt16() == 0x0102)
        #expect(try reader.readUInt32() == 0x0304_0506)
        #expect(try reader.readUInt64() == 0x0708_090A_0B0C_0D0E)
        #expect(reader.isAtEnd)
    }

    static let varintCases: [(UInt64, [UInt8])] = [
        (0, [0x00]),
        (127, [0x7F]),
        (128, [0x80, 0x01]),
        (300, [0xAC, 0x02]),
        (16_383, [0xFF, 0x7F]),
        (16_384, [0x80, 0x80, 0x01]),
        (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ]

    @Test("varints use the minimal LEB128 length", arguments: varintCases)
    func varintEncoding(value: UInt64, expected: [UInt8]) throws {
        var writer = WireWriter()
        writer.writeVarint(value)
        #expect(writer.bytes == expected)
        #expect(WireWriter.varintByteCount(value) == expected.count)
        var reader = WireReader(expected)
        #expect(try reader.readVarint() == value)
        #expect(reader.isAtEnd)
    }

    @Test("signed varints round-trip through zigzag", arguments: [Int64.min, -65, -64, -1, 0, 1, 63, 64, Int64.max])
    func signedVarint(value: Int64) throws {
        var writer = WireWriter()
        writer.writeSignedVarint(value)
        var reader = WireReader(writer.bytes)
        #expect(try reader.readSignedVarint() == value)
        if (-64...63).contains(value) { #expect(writer.count == 1) }
    }

    static let badVarintCases: [([UInt8], WireError.Code)] = [
        ([], .truncated),
        ([0x80], .truncated),
        ([0x80, 0x00], .malformed),  // non-minimal
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], .malformed),  // 65 bits
        ([UInt8](repeating: 0xFF, count: 11), .malformed),
    ]

    @Test("bad varints are rejected with a typed error", arguments: badVarintCases)
    func badVarints(bytes: [UInt8], code: WireError.Code) {
        var reader = WireReader(bytes)
        #expect(wireError { () throws(WireError) in try reader.readVarint() }?.code == code)
    }

    @Test("a varint too large for the requested width is oversize")
    func narrowingVarint() {
        var writer = WireWriter()
        writer.writeVarint(1 << 40)
        var reader = WireReader(writer.bytes)
        let error = wireError { () throws(WireError) in try reader.readVarint(as: UInt32.self) }
        #expect(error?.code == .oversize)
        #expect(error?.offset == 0)
    }

    @Test("struct length prefixes are patched correctly on both sides of each varint width",
          arguments: [0, 1, 126, 127, 128, 129, 16_382, 16_383, 16_384, 70_000])
    func structLengths(fieldBytes: Int) throws {
        var writer = WireWriter()
        writer.writeUInt8(0xAA)
        writer.writeStruct { $0.writeRaw([UInt8](repeating: 0x5C, count: fieldBytes)) }
        writer.writeUInt8(0xBB)
        #expect(writer.count == 2 + WireWriter.varintByteCount(UInt64(fieldBytes)) + fieldBytes)
        var reader = WireReader(writer.bytes)
        #expect(try reader.readUInt8() == 0xAA)
        let inner = try reader.readStruct { (fields: inout WireReader) throws(WireError) in fields.remainingBytes }
        #expect(inner.count == fieldBytes && inner.allSatisfy { $0 == 0x5C })
        #expect(try reader.readUInt8() == 0xBB)
        #expect(reader.isAtEnd)
    }

    @Test("bytes and strings round-trip, and their bounds are enforced")
    func byteStrings() throws {
        var writer = WireWriter()
        writer.writeBytes([1, 2, 3])
        writer.writeString("kéy/🙂")
        var reader = WireReader(writer.bytes)
        #expect(try reader.readBytes(maxCount: 3) == [1, 2, 3])
        #expect(try reader.readString(maxBytes: 64) == "kéy/🙂")

        var tooLong = WireReader(writer.bytes)
        #expect(wireError { () throws(WireError) in try tooLong.readBytes(maxCount: 2) }?.code == .oversize)
    }

    @Test("booleans and optional tags other than 0 and 1 are malformed")
    func tags() {
        var bool = WireReader([2])
        #expect(wireError { () throws(WireError) in try bool.readBool() }?.code == .malformed)
        var optional = WireReader([7, 1])
        #expect(wireError { () throws(WireError) in try optional.readOptional(UInt64.self) }?.code == .malformed)
    }

    @Test("invalid UTF-8 in a string is malformed")
    func invalidUTF8() {
        var reader = WireReader([3, 0x61, 0xC3, 0x28])
        let error = wireError { () throws(WireError) in try reader.readString(maxBytes: 10) }
        #expect(error?.code == .malformed)
        #expect(error?.offset == 0)
    }

    @Test("arrays of integers round-trip, and their count bound is enforced")
    func arrays() throws {
        var writer = WireWriter()
        writer.writeArray([UInt64(1), 1 << 40, 0])
        writer.writeArray([Int64(-5), 5])
        writer.writeArray([true, false])
        var reader = WireReader(writer.bytes)
        #expect(try reader.readArray(of: UInt64.self, maxCount: 3) == [1, 1 << 40, 0])
        #expect(try reader.readArray(of: Int64.self, maxCount: 2) == [-5, 5])
        #expect(try reader.readArray(of: Bool.self, maxCount: 2) == [true, false])

        var bounded = WireReader(writer.bytes)
        #expect(wireError { () throws(WireError) in try bounded.readArray(of: UInt64.self, maxCount: 2) }?.code == .oversize)
    }

    @Test("readIfPresent returns nil only at the end of a struct")
    func readIfPresent() throws {
        var writer = WireWriter()
        writer.writeStruct { $0.writeVarint(9) }
        var reader = WireReader(writer.bytes)
        let fields = try reader.readStruct { (fields: inout WireReader) throws(WireError) in
            let first = try fields.readIfPresent { (r: inout WireReader) throws(WireError) in try r.readVarint() }
            let second = try fields.readIfPresent { (r: inout WireReader) throws(WireError) in try r.readVarint() }
            return (first, second)
        }
        #expect(fields.0 == 9)
        #expect(fields.1 == nil)
    }
}
