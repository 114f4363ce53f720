/// A message as it travels: its type id, the sender's schema version, and the encoded body.
///
/// Layout: `varint type | varint version | body`, the body running to the end of the
/// buffer that holds the envelope (a transport frame). Decoding the header does not decode
/// the body, so a receiver can route by type before paying for the body.
public struct WireEnvelope: Hashable, Sendable {
    public var type: WireMessageType
    public var version: UInt32
    /// The encoded body (the message's fields, with no length prefix).
    public var body: ArraySlice<UInt8>

    public init(type: WireMessageType, version: UInt32, body: ArraySlice<UInt8>) {
        self.type = type
        self.version = version
        self.body = body
    }

    /// Wraps `message` with its type id and current version.
    public init<M: WireMessage>(_ message: M) {
        self.init(type: M.wireType, version: M.wireVersion, body: message.wireEncoded()[...])
    }

    /// Encodes `message` as an envelope in one buffer: the form a transport sends.
    public static func encode<M: WireMessage>(_ message: M, reservingCapacity capacity: Int = 64) -> [UInt8] {
        var writer = WireWriter(reservingCapacity: capacity)
        writeHeader(type: M.wireType, version: M.wireVersion, to: &writer)
        message.encode(to: &writer)
        return writer.bytes
    }

    private static func writeHeader(type: WireMessageType, version: UInt32, to writer: inout WireWriter) {
        writer.writeVarint(UInt64(type.rawValue))
        writer.writeVarint(UInt64(version))
    }

    /// The envelope as bytes, as `encode(_:)` would have produced them.
    public func encoded() -> [UInt8] {
        var writer = WireWriter(reservingCapacity: body.count + 10)
        WireEnvelope.writeHeader(type: type, version: version, to: &writer)
        writer.writeRaw(body)
        return writer.bytes
    }

    /// Reads an envelope's header; the body is the rest of `bytes` (not copied).
    public init(decoding bytes: ArraySlice<UInt8>) throws(WireError) {
        var reader = WireReader(bytes)
        let type = try reader.readVarint(as: UInt32.self)
        let version = try reader.readVarint(as: UInt32.self)
        guard version > 0 else { throw WireError(.malformed, "message version 0", offset: reader.offset) }
        self.init(type: WireMessageType(type), version: version, body: reader.remainingBytes)
    }

    /// Decodes the body as `M`: `unexpected_message` if the type id is another message's,
    /// `unsupported_version` if the sender's version is older than `M` can read.
    public func decode<M: WireMessage>(as _: M.Type, limits: WireLimits = .default) throws(WireError) -> M {
        guard type == M.wireType else {
            throw WireError(.unexpectedMessage, "expected \(M.self) (\(M.wireType)), got \(type)")
        }
        guard version >= M.minimumReadableVersion else {
            throw WireError(
                .unsupportedVersion,
                "\(M.self) version \(version) is older than the oldest readable, \(M.minimumReadableVersion)")
        }
        var reader = WireReader(body, limits: limits)
        return try M(from: &reader)
    }
}
