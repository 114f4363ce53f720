import KeelWire
import NIOCore
import NIOPosix
import Testing

@testable import KeelTransport

/// A raw TCP client that writes whatever bytes a test gives it.
struct RawClient {
    let channel: any Channel

    static func connect(to address: PeerAddress) async throws -> RawClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: address.host, port: address.port).get()
        return RawClient(channel: channel)
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func write(_ frame: OutboundFrame) async throws {
        var buffer = channel.allocator.buffer(capacity: frame.wireBytes)
        buffer.writeFrame(frame)
        try await channel.writeAndFlush(buffer)
    }

    func sayHello(nodeID: String = "raw") async throws {
        let hello = Hello(nodeID: nodeID, clusterID: "keel", protocolVersions: TransportProtocol.supportedVersions)
        try await write(OutboundFrame(kind: .hello, correlationID: 0, payload: hello.wireEncoded()))
    }

    /// Returns once the server has closed the connection.
    func closedByPeer() async throws {
        try await withDeadline { try await channel.closeFuture.get() }
    }
}

func frameHeader(length: UInt32, kind: UInt8, correlationID: UInt64 = 0) -> [UInt8] {
    var buffer = ByteBuffer()
    buffer.writeInteger(length, endianness: .little)
    buffer.writeInteger(kind)
    buffer.writeInteger(correlationID, endianness: .little)
    return Array(buffer.readableBytesView)
}

@Suite("Malformed and oversize frames", .timeLimit(.minutes(1)))
struct TransportMalformedInputTests {
    static let badStreams: [(String, [UInt8], Bool, TransportError.Code)] = [
        ("oversize length before the handshake", frameHeader(length: .max, kind: 1), false, .frameTooLarge),
        ("oversize length after the handshake", frameHeader(length: 1 << 20 + 1, kind: 1), true, .frameTooLarge),
        ("length shorter than a header", frameHeader(length: 3, kind: 1), true, .malformedFrame),
        ("unknown frame kind", frameHeader(length: 9, kind: 77), true, .malformedFrame),
        ("a message before the handshake", frameHeader(length: 11, kind: 1) + [1, 1], false, .malformedFrame),
        ("a second hello", frameHeader(length: 9, kind: 0), true, .malformedFrame),
        ("an envelope whose header does not decode", frameHeader(length: 10, kind: 1) + [0x80], true, .malformedFrame),
        ("a hello that does not decode", frameHeader(length: 12, kind: 0) + [200, 1, 2], false, .malformedFrame),
    ]

    @Test("a bad frame closes its connection with a logged error; the server keeps serving others", arguments: badStreams)
    func badFrameClosesConnection(name: String, bytes: [UInt8], afterHandshake: Bool, code: TransportError.Code) async throws {
        let logs = CapturedLogs()
        let (server, address) = try await listeningTransport("b") {
            $0.maxFrameBytes = 1 << 20
            $0.logger = logs.logger()
        }
        let echo = serveEcho(server)
        let raw = try await RawClient.connect(to: address)
        if afterHandshake { try await raw.sayHello() }
        try await raw.write(bytes)
        try await raw.closedByPeer()
        let errors = logs.all.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.message == "closing peer connection")
        #expect(errors.first?.metadata["error"]?.hasPrefix(code.rawValue) == true)

        let client = PeerTransport(configuration: testConfiguration("a"))
        let pong = try await client.request(Ping(sequence: 9), to: address, timeout: .seconds(10), expecting: Pong.self)
        #expect(pong.sequence == 9)
        await client.shutdown()
        await server.shutdown()
        await echo.value
    }

    @Test("a connection that never says hello is closed after the handshake timeout")
    func silentConnection() async throws {
        let (server, address) = try await listeningTransport("b") { $0.handshakeTimeout = .milliseconds(100) }
        let raw = try await RawClient.connect(to: address)
        try await raw.closedByPeer()
        await server.shutdown()
    }

    @Test("a message over the sender's own limit fails at once, not delivered")
    func oversizeMessageRejectedLocally() async throws {
        let client = PeerTransport(configuration: testConfiguration("a") { $0.maxFrameBytes = 1 << 16 })
        let address = PeerAddress(host: "127.0.0.1", port: 9)
        let big = Ping(sequence: 1, padding: [UInt8](repeating: 0, count: 1 << 16))
        let sendError = await transportError { try client.trySend(big, to: address) }
        #expect(sendError?.code == .frameTooLarge)
        #expect(sendError?.mayHaveBeenDelivered == false)
        let requestError = await transportError { _ = try await client.request(big, to: address, timeout: .seconds(1)) }
        #expect(requestError?.code == .frameTooLarge)
        await client.shutdown()
    }

    @Test("a frame over the receiver's limit closes the connection; the sender's request fails and it reconnects")
    func oversizeFrameAtReceiver() async throws {
        let (server, address) = try await listeningTransport("b") { $0.maxFrameBytes = 1 << 16 }
        let echo = serveEcho(server)
        let client = PeerTransport(configuration: testConfiguration("a"))
        _ = try await client.request(Ping(sequence: 1), to: address, timeout: .seconds(10))
        let big = Ping(sequence: 2, padding: [UInt8](repeating: 0, count: 1 << 17))
        let error = await transportError { _ = try await client.request(big, to: address, timeout: .seconds(10)) }
        #expect(error?.code == .connectionClosed)
        #expect(error?.mayHaveBeenDelivered == true)
        let pong = try await client.request(Ping(sequence: 3), to: address, timeout: .seconds(10), expecting: Pong.self)
        #expect(pong.sequence == 3)
        await client.shutdown()
        await server.shutdown()
        await echo.value
    }
}
