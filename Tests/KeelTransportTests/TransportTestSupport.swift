import KeelWire
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import KeelTransport

/// A numbered one-way message with an optional padding payload.
struct Ping: WireMessage, Equatable {
    static let wireType = WireMessageType(9_500)
    var sequence: UInt64
    var padding: [UInt8] = []

    func encode(to writer: inout WireWriter) {
        writer.writeVarint(sequence)
        writer.writeBytes(padding)
    }

    init(sequence: UInt64, padding: [UInt8] = []) {
        self.sequence = sequence
        self.padding = padding
    }

    init(from reader: inout WireReader) throws(WireError) {
        sequence = try reader.readVarint()
        padding = try reader.readBytes(maxCount: 64 << 20)
    }
}

/// The answer an echo server gives to a `Ping`.
struct Pong: WireMessage, Equatable {
    static let wireType = WireMessageType(9_501)
    var sequence: UInt64
    var servedBy: String

    func encode(to writer: inout WireWriter) {
        writer.writeVarint(sequence)
        writer.writeString(servedBy)
    }

    init(sequence: UInt64, servedBy: String) {
        self.sequence = sequence
        self.servedBy = servedBy
    }

    init(from reader: inout WireReader) throws(WireError) {
        sequence = try reader.readVarint()
        servedBy = try reader.readString(maxBytes: 64)
    }
}

/// A configuration for loopback tests: quick reconnects, short handshakes, quiet logs.
func testConfiguration(_ nodeID: String, _ adjust: (inout TransportConfiguration) -> Void = { _ in }) -> TransportConfiguration {
    var logger = Logger(label: "test.\(nodeID)")
    logger.logLevel = .critical
    var configuration = TransportConfiguration(nodeID: nodeID, logger: logger)
    configuration.reconnectBackoff = ReconnectBackoff(initialDelay: .milliseconds(10), maxDelay: .milliseconds(100))
    configuration.connectTimeout = .seconds(1)
    configuration.handshakeTimeout = .seconds(2)
    adjust(&configuration)
    return configuration
}

let loopback = PeerAddress(host: "127.0.0.1", port: 0)

/// Starts a listening transport on a free loopback port.
func listeningTransport(
    _ nodeID: String, port: Int = 0, _ adjust: (inout TransportConfiguration) -> Void = { _ in }
) async throws -> (PeerTransport, PeerAddress) {
    let transport = PeerTransport(configuration: testConfiguration(nodeID, adjust))
    let address = try await transport.start(listeningOn: PeerAddress(host: "127.0.0.1", port: port))
    return (transport, address)
}

/// Answers every request that is a `Ping` with a `Pong`, until the stream ends.
func serveEcho(_ transport: PeerTransport) -> Task<Void, Never> {
    Task {
        for await event in transport.inbound {
            guard case .request(let request) = event, let ping = try? request.envelope.decode(as: Ping.self) else { continue }
            request.respond(Pong(sequence: ping.sequence, servedBy: transport.configuration.nodeID))
        }
    }
}

/// Runs `body`, failing with `timeout` if it takes longer than `limit` (a guard against a
/// hung test, not a timing assertion).
func withDeadline<T: Sendable>(_ limit: Duration = .seconds(20), _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw TransportError(.timeout, "test step did not finish within \(limit)")
        }
        group.cancelAll()
        return value
    }
}

/// Polls `condition` until it holds (bounded), for states only observable from outside.
func eventually(_ what: String, attempts: Int = 2_000, _ condition: () async -> Bool) async throws {
    for _ in 0..<attempts {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("never happened: \(what)")
    throw TransportError(.timeout, "never happened: \(what)")
}

/// Runs `body` and returns the `TransportError` it throws (nil if it succeeds); records an
/// issue if it throws anything else.
func transportError(_ body: () async throws -> Void) async -> TransportError? {
    do {
        try await body()
        return nil
    } catch let error as TransportError {
        return error
    } catch {
        Issue.record("expected a TransportError, got \(error)")
        return nil
    }
}

/// A free loopback port: bound, read and released.
func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}
