import KeelTypes
import KeelWire
import Testing

/// A recursive type, to feed the reader input nested as deep as an attacker likes.
struct Nest: WireCodable, Equatable {
    var children: [Nest]

    func encode(to writer: inout WireWriter) { writer.writeArray(children) }
    init(children: [Nest]) { self.children = children }
    init(from reader: inout WireReader) throws(WireError) {
        children = try reader.readArray(of: Nest.self, maxCount: 4)
    }

    /// The encoding of a chain `depth` structs deep, built without recursion: each level is
    /// `[length of the rest][count = 1]`, the innermost `[count = 0]`.
    static func chainEncoding(depth: Int) -> [UInt8] {
        var reversed: [UInt8] = [0]
        for _ in 0..<depth {
            var prefix = WireWriter()
            prefix.writeVarint(UInt64(reversed.count))
            reversed.append(contentsOf: prefix.bytes.reversed())
            reversed.append(1)
        }
        return reversed.reversed()
    }
}

@Suite("WireReader against malformed input")
struct WireMalformedInputTests {
    @Test("every strict prefix of a valid message fails with a typed error", arguments: propertySeeds)
    func truncatedAtEveryOffset(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<10 {
            let bytes = WireEnvelope.encode(Sample(using: &rng))
            for cut in 0..<bytes.count {
                let error = wireError { () throws(WireError) in
                    try WireEnvelope(decoding: bytes[..<cut]).decode(as: Sample.self)
                }
                #expect(error != nil, "prefix of \(cut) of \(bytes.count) bytes decoded")
            }
            #expect(try WireEnvelope(decoding: bytes[...]).decode(as: Sample.self).wireEncoded().count > 0)
        }
    }

    @Test("random bytes never crash the decoder", arguments: propertySeeds)
    func randomBytes(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var registry = WireMessageRegistry()
        registry.register(Sample.self)
        var failures = 0
        let attempts = 2_000
        for _ in 0..<attempts {
            let bytes = rng.bytes(maxCount: 200)
            if wireError({ () throws(WireError) in try Sample(wireEncoded: bytes) }) != nil { failures += 1 }
            _ = wireError { () throws(WireError) in try ShardDescriptor(wireEncoded: bytes) }
            _ = wireError { () throws(WireError) in try registry.decode(bytes[...]) }
        }
        // Random bytes almost never form a valid Sample: the decoder must notice.
        #expect(failures > attempts * 9 / 10)
    }

    @Test("flipping bytes of valid messages never crashes the decoder", arguments: propertySeeds)
    func mutatedMessages(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<300 {
            var bytes = Sample(using: &rng).wireEncoded()
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if let decoded = try? Sample(wireEncoded: bytes) {
                // What decodes is a valid value: it encodes and decodes again to itself.
                #expect(try Sample(wireEncoded: decoded.wireEncoded()) == decoded)
            }
        }
    }

    @Test("huge length prefixes fail before allocating", arguments: [UInt64(1) << 62, UInt64.max, 1 << 31, 5])
    func hugeLengthPrefix(length: UInt64) {
        var writer = WireWriter()
        writer.writeVarint(length)
        writer.writeRaw([1, 2, 3, 4])
        let bytes = writer.bytes
        // Beyond Int.max a length is over any bound; below it, it is over the bytes that remain.
        let unboundedCode: WireError.Code = length > UInt64(Int.max) ? .oversize : .truncated

        var unbounded = WireReader(bytes)
        #expect(wireError { () throws(WireError) in try unbounded.readBytes(maxCount: .max) }?.code == unboundedCode)
        var bounded = WireReader(bytes)
        #expect(wireError { () throws(WireError) in try bounded.readBytes(maxCount: 4) }?.code == .oversize)
        var asStruct = WireReader(bytes)
        #expect(wireError { () throws(WireError) in try asStruct.read(Nest.self) }?.code == unboundedCode)
        var asArray = WireReader(bytes)
        #expect(wireError { () throws(WireError) in try asArray.readArray(of: ShardID.self, maxCount: .max) }?.code == unboundedCode)
    }

    @Test("nesting deeper than the limit is rejected, not recursed into", arguments: [33, 1_000, 100_000])
    func deepNesting(depth: Int) {
        let bytes = Nest.chainEncoding(depth: depth)
        let error = wireError { () throws(WireError) in try Nest(wireEncoded: bytes) }
        #expect(error?.code == .nestingTooDeep)
    }

    @Test("nesting within the limit decodes")
    func shallowNesting() throws {
        let bytes = Nest.chainEncoding(depth: WireLimits.default.maxDepth)
        var nest = try Nest(wireEncoded: bytes)
        var depth = 0
        while let child = nest.children.first {
            depth += 1
            nest = child
        }
        #expect(depth == WireLimits.default.maxDepth)
        #expect(wireError { () throws(WireError) in try Nest(wireEncoded: bytes, limits: WireLimits(maxDepth: 4)) }?.code == .nestingTooDeep)
    }

    @Test("a key range whose start does not precede its end is malformed, not a trap")
    func invertedKeyRange() {
        var writer = WireWriter()
        writer.writeBytes([5])
        writer.writeOptional([UInt8]([5])) { $0.writeBytes($1) }
        #expect(wireError { () throws(WireError) in try KeyRange(wireEncoded: writer.bytes) }?.code == .malformed)
    }

    @Test("an unknown shard state is malformed")
    func unknownShardState() {
        #expect(wireError { () throws(WireError) in try ShardState(wireEncoded: [9]) }?.code == .malformed)
    }

    @Test("a node name over the bound is oversize")
    func longNodeName() {
        let name = DataNodeID(String(repeating: "n", count: WireBounds.maxNodeIDBytes + 1))
        #expect(wireError { () throws(WireError) in try DataNodeID(wireEncoded: name.wireEncoded()) }?.code == .oversize)
    }

    @Test("bytes after an inline value are malformed; after a struct they are a newer writer's fields")
    func trailingBytes() throws {
        #expect(wireError { () throws(WireError) in try ShardID(wireEncoded: [1, 0]) }?.code == .malformed)
        let descriptor = ShardDescriptor(id: ShardID(1), range: .all, epoch: .zero, primary: "a")
        #expect(try ShardDescriptor(wireEncoded: descriptor.wireEncoded() + [42, 42]) == descriptor)
    }

    @Test("errors report the offset in the outermost buffer")
    func errorOffsets() {
        var writer = WireWriter()
        writer.writeVarint(7)
        writer.writeStruct { fields in
            fields.writeVarint(1)
            fields.writeUInt8(2)  // read as a bool below: malformed at offset 3
        }
        var reader = WireReader(writer.bytes)
        let error = wireError { () throws(WireError) in
            _ = try reader.readVarint()
            return try reader.readStruct { (fields: inout WireReader) throws(WireError) in
                _ = try fields.readVarint()
                return try fields.readBool()
            }
        }
        #expect(error == WireError(.malformed, "boolean byte is 2", offset: 3))
    }
}
