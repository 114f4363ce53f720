import KeelWire
import Testing

@testable import KeelTransport

@Suite("Handshake and addresses")
struct HandshakeTests {
    func hello(_ versions: ClosedRange<UInt32>, cluster: String = "keel") -> Hello {
        Hello(nodeID: "n", clusterID: cluster, protocolVersions: versions)
    }

    @Test("the highest common version is chosen")
    func negotiation() throws {
        #expect(try hello(1...3).negotiate(with: hello(2...5)).get() == 3)
        #expect(try hello(1...1).negotiate(with: hello(1...1)).get() == 1)
        #expect(throws: TransportError.self) { try hello(1...1).negotiate(with: hello(2...2)).get() }
        #expect(throws: TransportError.self) { try hello(1...1, cluster: "a").negotiate(with: hello(1...1, cluster: "b")).get() }
    }

    @Test("a hello round-trips and an inverted version range is malformed")
    func helloEncoding() throws {
        let original = Hello(nodeID: "meta-1", clusterID: "prod", protocolVersions: 1...4)
        #expect(try Hello(wireEncoded: original.wireEncoded()) == original)
        var writer = WireWriter()
        writer.writeString("n")
        writer.writeString("keel")
        writer.writeVarint(3)
        writer.writeVarint(2)
        #expect(throws: WireError.self) { try Hello(wireEncoded: writer.bytes) }
    }

    static let addresses: [(String, PeerAddress?)] = [
        ("127.0.0.1:7000", PeerAddress(host: "127.0.0.1", port: 7000)),
        ("meta-1.keel:80", PeerAddress(host: "meta-1.keel", port: 80)),
        ("[::1]:7000", PeerAddress(host: "::1", port: 7000)),
        ("host", nil),
        (":7000", nil),
        ("host:70000", nil),
        ("host:-1", nil),
        ("[::1:7000", nil),
    ]

    @Test("addresses parse from HOST:PORT", arguments: addresses)
    func parsing(text: String, expected: PeerAddress?) {
        let parsed = PeerAddress(parsing: text)
        #expect(parsed == expected)
        if let parsed { #expect(PeerAddress(parsing: parsed.description) == parsed) }
    }
}
