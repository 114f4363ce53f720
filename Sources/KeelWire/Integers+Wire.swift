/// Unsigned integers nest as varints, so arrays and optionals of them need no closure.
extension UInt64: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeVarint(self) }
    public init(from reader: inout WireReader) throws(WireError) { self = try reader.readVarint() }
}

extension UInt32: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeVarint(UInt64(self)) }
    public init(from reader: inout WireReader) throws(WireError) { self = try reader.readVarint(as: UInt32.self) }
}

/// Signed integers nest as zigzag varints.
extension Int64: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeSignedVarint(self) }
    public init(from reader: inout WireReader) throws(WireError) { self = try reader.readSignedVarint() }
}

extension Bool: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeBool(self) }
    public init(from reader: inout WireReader) throws(WireError) { self = try reader.readBool() }
}
