import KeelTypes
import KeelWire
import Testing

@Suite("Wire round trips")
struct WireRoundTripTests {
    @Test("every primitive and KeelTypes value round-trips", arguments: propertySeeds)
    func sampleRoundTrip(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let sample = Sample(using: &rng)
            let bytes = sample.wireEncoded()
            let decoded = try Sample(wireEncoded: bytes)
            #expect(decoded == sample)
            // One encoding per value: re-encoding what was decoded gives the same bytes.
            #expect(decoded.wireEncoded() == bytes)
        }
    }

    @Test("messages round-trip through an envelope and a registry", arguments: propertySeeds)
    func envelopeRoundTrip(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var registry = WireMessageRegistry()
        registry.register(Sample.self)
        let sample = Sample(using: &rng)
        let bytes = WireEnvelope.encode(sample)
        let envelope = try WireEnvelope(decoding: bytes[...])
        #expect(envelope.type == Sample.wireType)
        #expect(envelope.version == Sample.wireVersion)
        #expect(envelope.encoded() == bytes)
        #expect(envelope == WireEnvelope(sample))
        #expect(try envelope.decode(as: Sample.self) == sample)
        #expect(try registry.decode(bytes[...]) as? Sample == sample)
    }

    @Test("shard descriptors round-trip", arguments: propertySeeds)
    func descriptorRoundTrip(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let descriptor = rng.shardDescriptor()
            #expect(try ShardDescriptor(wireEncoded: descriptor.wireEncoded()) == descriptor)
        }
    }

    static let durationCases: [(Duration, Duration)] = [
        (.zero, .zero),
        (.nanoseconds(-1), .nanoseconds(-1)),
        (.milliseconds(1500), .milliseconds(1500)),
        (.seconds(Int64.max), .nanoseconds(Int64.max)),
        (.seconds(Int64.min), .nanoseconds(Int64.min)),
    ]

    @Test("durations round-trip in whole nanoseconds and clamp beyond Int64", arguments: durationCases)
    func durations(value: Duration, expected: Duration) throws {
        #expect(try Duration(wireEncoded: value.wireEncoded()) == expected)
    }
}
