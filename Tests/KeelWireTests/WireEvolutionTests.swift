import KeelWire
import Testing

// Version 1 and version 2 of one message, as two builds of Keel would define it. Version 2
// appended fields at the end of the message and at the end of a nested struct.

struct ItemV1: WireCodable, Equatable {
    var id: UInt64
    func encode(to writer: inout WireWriter) { writer.writeVarint(id) }
    init(id: UInt64) { self.id = id }
    init(from reader: inout WireReader) throws(WireError) { id = try reader.readVarint() }
}

struct ItemV2: WireCodable, Equatable {
    var id: UInt64
    var label: String  // appended in v2; "" when absent
    func encode(to writer: inout WireWriter) {
        writer.writeVarint(id)
        writer.writeString(label)
    }
    init(id: UInt64, label: String) {
        self.id = id
        self.label = label
    }
    init(from reader: inout WireReader) throws(WireError) {
        id = try reader.readVarint()
        label = try reader.readIfPresent { (r: inout WireReader) throws(WireError) in try r.readString(maxBytes: 256) } ?? ""
    }
}

struct BatchV1: WireMessage, Equatable {
    static let wireType = WireMessageType(9_100)
    var items: [ItemV1]
    var trailer: UInt64
    func encode(to writer: inout WireWriter) {
        writer.writeArray(items)
        writer.writeVarint(trailer)
    }
    init(items: [ItemV1], trailer: UInt64) {
        self.items = items
        self.trailer = trailer
    }
    init(from reader: inout WireReader) throws(WireError) {
        items = try reader.readArray(of: ItemV1.self, maxCount: 100)
        trailer = try reader.readVarint()
    }
}

struct BatchV2: WireMessage, Equatable {
    static let wireType = WireMessageType(9_100)
    static let wireVersion: UInt32 = 2
    var items: [ItemV2]
    var trailer: UInt64
    var priority: UInt64?  // appended in v2
    func encode(to writer: inout WireWriter) {
        writer.writeArray(items)
        writer.writeVarint(trailer)
        writer.writeOptional(priority)
    }
    init(items: [ItemV2], trailer: UInt64, priority: UInt64?) {
        self.items = items
        self.trailer = trailer
        self.priority = priority
    }
    init(from reader: inout WireReader) throws(WireError) {
        items = try reader.readArray(of: ItemV2.self, maxCount: 100)
        trailer = try reader.readVarint()
        priority = try reader.readIfPresent { (r: inout WireReader) throws(WireError) in try r.readOptional(UInt64.self) } ?? nil
    }
}

/// Version 3 makes `priority` mandatory: it refuses messages from writers older than v2.
struct BatchV3: WireMessage {
    static let wireType = WireMessageType(9_100)
    static let wireVersion: UInt32 = 3
    static let minimumReadableVersion: UInt32 = 2
    var v2: BatchV2
    func encode(to writer: inout WireWriter) { v2.encode(to: &writer) }
    init(from reader: inout WireReader) throws(WireError) { v2 = try BatchV2(from: &reader) }
}

@Suite("Schema evolution")
struct WireEvolutionTests {
    let v2 = BatchV2(
        items: [ItemV2(id: 1, label: "one"), ItemV2(id: 2, label: String(repeating: "x", count: 200))],
        trailer: 77, priority: 5)

    @Test("a v1 reader decodes a v2 message, skipping the fields it does not know")
    func oldReaderNewWriter() throws {
        let envelope = try WireEnvelope(decoding: WireEnvelope.encode(v2)[...])
        #expect(envelope.version == 2)
        let decoded = try envelope.decode(as: BatchV1.self)
        #expect(decoded == BatchV1(items: [ItemV1(id: 1), ItemV1(id: 2)], trailer: 77))
    }

    @Test("a v2 reader decodes a v1 message, defaulting the fields it lacks")
    func newReaderOldWriter() throws {
        let v1 = BatchV1(items: [ItemV1(id: 3)], trailer: 9)
        let decoded = try WireEnvelope(decoding: WireEnvelope.encode(v1)[...]).decode(as: BatchV2.self)
        #expect(decoded == BatchV2(items: [ItemV2(id: 3, label: "")], trailer: 9, priority: nil))
    }

    @Test("a reader refuses versions older than its minimum")
    func minimumVersion() throws {
        let fromV1 = try WireEnvelope(decoding: WireEnvelope.encode(BatchV1(items: [], trailer: 1))[...])
        #expect(wireError { () throws(WireError) in try fromV1.decode(as: BatchV3.self) }?.code == .unsupportedVersion)
        let fromV2 = try WireEnvelope(decoding: WireEnvelope.encode(v2)[...])
        #expect(try fromV2.decode(as: BatchV3.self).v2 == v2)
    }
}
