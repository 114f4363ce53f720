import KeelWire
import Testing

@Suite("Envelopes and the message registry")
struct WireEnvelopeTests {
    @Test("an unregistered type id is unknown_message")
    func unknownMessage() throws {
        var registry = WireMessageRegistry()
        registry.register(BatchV1.self)
        #expect(registry.types == [BatchV1.wireType])
        let bytes = WireEnvelope.encode(Nest.Message())
        #expect(wireError { () throws(WireError) in try registry.decode(bytes[...]) }?.code == .unknownMessage)
    }

    @Test("decoding as the wrong type is unexpected_message")
    func unexpectedMessage() throws {
        let envelope = try WireEnvelope(decoding: WireEnvelope.encode(BatchV1(items: [], trailer: 0))[...])
        #expect(wireError { () throws(WireError) in try envelope.decode(as: Nest.Message.self) }?.code == .unexpectedMessage)
    }

    static let badHeaderCases: [([UInt8], WireError.Code)] = [
        ([1, 0], .malformed),
        ([0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 1], .oversize),
        ([], .truncated),
        ([1], .truncated),
    ]

    @Test("version 0 and over-wide header varints are malformed or oversize", arguments: badHeaderCases)
    func badHeaders(bytes: [UInt8], code: WireError.Code) {
        #expect(wireError { () throws(WireError) in try WireEnvelope(decoding: bytes[...]) }?.code == code)
    }

    @Test("the registry reads the body lazily: the header alone routes a message")
    func headerOnly() throws {
        let bytes = WireEnvelope.encode(BatchV1(items: [ItemV1(id: 4)], trailer: 8))
        let envelope = try WireEnvelope(decoding: bytes[...])
        #expect(envelope.type == BatchV1.wireType)
        #expect(envelope.body.count == bytes.count - 3)  // type 9100 is two varint bytes, version one
    }
}

extension Nest {
    /// An empty message type, for registry tests.
    struct Message: WireMessage {
        static let wireType = WireMessageType(9_200)
        init() {}
        func encode(to writer: inout WireWriter) {}
        init(from reader: inout WireReader) throws(WireError) {}
    }
}
