import KeelWire
import NIOCore
import NIOPosix
import Synchronization

/// Peer-to-peer messaging over TCP: one-way messages and request/response RPC, multiplexed
/// on a small fixed set of connections per peer, with bounded queues and back-pressure.
///
/// Guarantees:
/// * One-way messages to one peer travel on one connection and arrive in the order they
///   were queued; a message is delivered at most once (a connection that breaks loses what
///   was in flight, nothing is resent).
/// * Every queue is bounded (see `TransportConfiguration`); a full queue makes `trySend`
///   fail with `overloaded` at once and `send` wait for room.
/// * A request ends exactly once: with the response, the peer's error, `timeout`,
///   `connection_closed`, `unreachable`, `overloaded`, `cancelled` or `shutdown`, and the
///   error says whether the request may have been delivered.
/// * Connections are opened on first use, reopened after failure with exponential backoff
///   and jitter, and begin with a handshake checking cluster id and protocol version.
/// * Malformed or oversize input closes the one connection it came on, with a logged error.
/// * `shutdown()` closes the listener and every connection and fails whatever is pending.
///
/// Everything a peer sends this node arrives on `inbound`, which one task should iterate.
public final class PeerTransport: Sendable {
    public let configuration: TransportConfiguration
    private let group: any EventLoopGroup
    private let shared: TransportShared
    private let state = Mutex(State())

    private struct State {
        var peers: [PeerAddress: PeerPool] = [:]
        var listener: (any Channel)?
        var isShutdown = false
    }

    /// Everything peers send this node. Iterate once; it ends after `shutdown()`.
    public var inbound: InboundEvents { shared.gate.events }

    /// A transport on `group`'s event loops (the process-wide NIO group by default). It
    /// only dials out until `start(listeningOn:)` is called.
    public init(configuration: TransportConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        configuration.validate()
        self.configuration = configuration
        self.group = group
        self.shared = TransportShared(configuration: configuration)
    }

    /// Starts accepting peer connections on `address` (port 0 picks a free port) and
    /// returns the address actually bound.
    @discardableResult
    public func start(listeningOn address: PeerAddress) async throws -> PeerAddress {
        let shared = self.shared
        let listener: any Channel
        do {
            listener = try await shared.serverBootstrap(group: group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let link = PeerLink(role: .acceptor, eventLoop: channel.eventLoop, shared: shared, channel: channel)
                        guard shared.register(link) else { throw TransportError(.shutdown, "the transport is shutting down") }
                        try PeerChannelHandler.install(on: channel, link: link)
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            throw TransportError(.listenFailed, "cannot listen on \(address): \(error)")
        }
        let accepted = state.withLock { state -> Bool in
            guard !state.isShutdown, state.listener == nil else { return false }
            state.listener = listener
            return true
        }
        guard accepted else {
            try? await listener.close()
            throw TransportError(.listenFailed, "the transport is shut down or already listening")
        }
        let bound = PeerAddress(host: address.host, port: listener.localAddress?.port ?? address.port)
        configuration.logger.debug("listening", metadata: ["listen.address": "\(bound)"])
        return bound
    }

    // MARK: Sending

    /// Queues `message` for `peer`, waiting while the peer's queue is full. Throws
    /// `overloaded` if too many senders already wait, `frame_too_large`, `unreachable` if
    /// the connection attempt fails, `shutdown`, or `cancelled`.
    public func send<M: WireMessage>(_ message: M, to peer: PeerAddress) async throws {
        try await pool(for: peer).messageLink.send(Self.frame(.message, message))
    }

    /// Queues `message` for `peer`, or throws `overloaded` at once if the peer's queue is
    /// full (for callers that drop and retry later, such as Raft heartbeats).
    public func trySend<M: WireMessage>(_ message: M, to peer: PeerAddress) throws {
        try pool(for: peer).messageLink.trySend(Self.frame(.message, message))
    }

    /// Sends a request and returns the response envelope, or throws a `TransportError`.
    public func request<M: WireMessage>(_ message: M, to peer: PeerAddress, timeout: Duration) async throws -> WireEnvelope {
        try await pool(for: peer).nextRequestLink().request(WireEnvelope.encode(message), timeout: timeout)
    }

    /// Sends a request and decodes the response as `R` (a `WireError` if it is not one).
    public func request<M: WireMessage, R: WireMessage>(
        _ message: M, to peer: PeerAddress, timeout: Duration, expecting _: R.Type
    ) async throws -> R {
        try await request(message, to: peer, timeout: timeout).decode(as: R.self)
    }

    private static func frame<M: WireMessage>(_ kind: FrameKind, _ message: M) -> OutboundFrame {
        OutboundFrame(kind: kind, correlationID: 0, payload: WireEnvelope.encode(message))
    }

    private func pool(for peer: PeerAddress) throws(TransportError) -> PeerPool {
        let pool = state.withLock { state -> PeerPool? in
            if state.isShutdown { return nil }
            if let pool = state.peers[peer] { return pool }
            let links = (0..<configuration.connectionsPerPeer).map { _ in
                PeerLink(role: .dialer(peer), eventLoop: group.next(), shared: shared)
            }
            let pool = PeerPool(links: links)
            state.peers[peer] = pool
            return pool
        }
        guard let pool else { throw TransportError(.shutdown, "the transport is shut down") }
        return pool
    }

    /// The state of the connections to `peer`, or nil if this transport never sent to it.
    public func statistics(for peer: PeerAddress) -> PeerStatistics? {
        guard let pool = state.withLock({ $0.peers[peer] }) else { return nil }
        return pool.links.map(\.statistics).reduce(PeerStatistics(), +)
    }

    // MARK: Closing

    /// Closes the connections to `peer` (a node that left the cluster), failing its pending
    /// requests with `connection_closed`. Sending to it again opens new connections.
    public func disconnect(from peer: PeerAddress) async {
        guard let pool = state.withLock({ $0.peers.removeValue(forKey: peer) }) else { return }
        await Self.close(pool.links, TransportError(.connectionClosed, "disconnected from \(peer)"))
    }

    /// Stops listening, closes every connection, fails every pending request and waiting
    /// sender with `shutdown`, and ends `inbound` (after what it has buffered). Idempotent.
    /// The event loop group is the caller's and stays running.
    public func shutdown() async {
        let (listener, pools) = state.withLock { state in
            state.isShutdown = true
            defer {
                state.listener = nil
                state.peers = [:]
            }
            return (state.listener, Array(state.peers.values))
        }
        try? await listener?.close()
        let error = TransportError(.shutdown, "the transport is shutting down")
        await Self.close(pools.flatMap(\.links) + shared.closeAcceptors(), error)
        shared.gate.finish()
    }

    private static func close(_ links: [PeerLink], _ error: TransportError) async {
        for link in links {
            try? await link.shutdown(error).get()
        }
    }
}

/// The connections to one peer: the first carries one-way messages (keeping them in
/// order), requests go round-robin over all.
final class PeerPool: Sendable {
    let links: [PeerLink]
    private let nextRequest = Atomic<Int>(0)

    init(links: [PeerLink]) {
        precondition(!links.isEmpty)
        self.links = links
    }

    var messageLink: PeerLink { links[0] }

    func nextRequestLink() -> PeerLink {
        let ticket = nextRequest.wrappingAdd(1, ordering: .relaxed).oldValue
        return links[Int(UInt(bitPattern: ticket) % UInt(links.count))]
    }
}
