import Logging
import NIOCore
import NIOPosix
import Synchronization

/// What every link and connection handler of one transport shares: the configuration,
/// this node's hello, the inbound gate, and the set of accepted connections.
final class TransportShared: Sendable {
    let configuration: TransportConfiguration
    let hello: Hello
    let gate: InboundGate
    private let acceptors = Mutex(Acceptors())

    struct Acceptors {
        var links: [ObjectIdentifier: PeerLink] = [:]
        var closed = false
    }

    init(configuration: TransportConfiguration) {
        self.configuration = configuration
        self.hello = Hello(
            nodeID: configuration.nodeID, clusterID: configuration.clusterID,
            protocolVersions: configuration.protocolVersions)
        self.gate = InboundGate(
            lowWatermark: configuration.inboundBufferLowWatermark, highWatermark: configuration.inboundBufferHighWatermark)
    }

    var logger: Logger { configuration.logger }

    /// Records an accepted connection's link; false once the transport is shutting down.
    func register(_ link: PeerLink) -> Bool {
        acceptors.withLock { acceptors in
            guard !acceptors.closed else { return false }
            acceptors.links[ObjectIdentifier(link)] = link
            return true
        }
    }

    func unregister(_ link: PeerLink) {
        _ = acceptors.withLock { $0.links.removeValue(forKey: ObjectIdentifier(link)) }
    }

    /// Refuses further accepted connections and returns the current ones.
    func closeAcceptors() -> [PeerLink] {
        acceptors.withLock { acceptors in
            acceptors.closed = true
            return Array(acceptors.links.values)
        }
    }

    /// Options every connection gets: no Nagle delay (frames are already batched), the
    /// configured write-buffer watermarks and socket buffer sizes.
    func clientBootstrap(on eventLoop: any EventLoop) -> ClientBootstrap {
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: writeBufferWaterMark)
        if let bytes = configuration.socketBufferBytes {
            bootstrap = bootstrap
                .channelOption(.socketOption(.so_sndbuf), value: .init(bytes))
                .channelOption(.socketOption(.so_rcvbuf), value: .init(bytes))
        }
        return bootstrap
    }

    func serverBootstrap(group: any EventLoopGroup) -> ServerBootstrap {
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: writeBufferWaterMark)
        if let bytes = configuration.socketBufferBytes {
            bootstrap = bootstrap
                .serverChannelOption(.socketOption(.so_rcvbuf), value: .init(bytes))
                .childChannelOption(.socketOption(.so_sndbuf), value: .init(bytes))
                .childChannelOption(.socketOption(.so_rcvbuf), value: .init(bytes))
        }
        return bootstrap
    }

    private var writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark {
        .init(low: configuration.writeBufferLowWatermarkBytes, high: configuration.writeBufferHighWatermarkBytes)
    }
}
