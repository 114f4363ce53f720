import KeelWire
import Logging
import NIOCore

/// The per-connection protocol, on the connection's event loop: the handshake, then
/// dispatch of inbound frames (messages and requests to the inbound stream, responses to
/// the link's pending requests).
///
/// Any protocol violation — an oversize or malformed frame, a frame before the handshake,
/// an envelope header that does not decode — closes this connection and is logged as an
/// error; nothing else is affected.
final class PeerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private let link: PeerLink
    private var shared: TransportShared { link.shared }
    private var logger: Logger
    /// Set once the peer's hello has been accepted.
    private var peer: PeerIdentity?
    /// Events read since the last `channelReadComplete`, delivered as one batch.
    private var batch: [InboundEvent] = []
    private var handshakeTimer: Scheduled<Void>?
    /// Why this handler closed the connection, reported to the link when it goes inactive.
    private var closeReason: TransportError?

    private init(link: PeerLink) {
        self.link = link
        self.logger = link.shared.logger
        logger[metadataKey: "peer.address"] = "\(link.label)"
        logger[metadataKey: "transport.node"] = "\(link.shared.configuration.nodeID)"
    }

    /// Adds the frame decoder and a handler for `link` to `channel`'s pipeline.
    static func install(on channel: any Channel, link: PeerLink) throws {
        let decoder = FrameDecoder(maxFrameBytes: link.shared.configuration.maxFrameBytes)
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(decoder), PeerChannelHandler(link: link))
    }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        if let remote = context.channel.remoteAddress { logger[metadataKey: "peer.remote"] = "\(remote)" }
        guard link.channelActive(context.channel) else {
            context.close(promise: nil)
            return
        }
        if link.isDialer { writeHello(context: context) }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let channel = context.channel
        handshakeTimer = context.eventLoop.scheduleTask(in: TimeAmount(shared.configuration.handshakeTimeout)) {
            handler.value.handshakeTimedOut(channel)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        deliverBatch(context: context)
        let reason = closeReason ?? TransportError(.connectionClosed, "the connection to \(link.label) closed")
        logger.debug("connection closed", metadata: ["reason": "\(reason)"])
        link.connectionLost(context.channel, error: reason)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        link.writabilityChanged(context.channel)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TransportError {
            close(context: context, error)
        } else {
            // Socket errors (reset, broken pipe) are a peer going away, not a protocol violation.
            logger.debug("connection error", metadata: ["error": "\(error)"])
            closeReason = closeReason ?? TransportError(.connectionClosed, "connection to \(link.label) failed: \(error)")
            context.close(promise: nil)
        }
    }

    /// Closes the connection because of a protocol violation or a failed handshake.
    private func close(context: ChannelHandlerContext, _ error: TransportError) {
        if closeReason == nil {
            logger.error("closing peer connection", metadata: ["error": "\(error)"])
            closeReason = error
        }
        context.close(promise: nil)
    }

    private func handshakeTimedOut(_ channel: any Channel) {
        guard peer == nil, channel.isActive else { return }
        closeReason = TransportError(.unreachable, "no handshake from \(link.label) within \(shared.configuration.handshakeTimeout)")
        logger.error("closing peer connection", metadata: ["error": "\(closeReason!)"])
        channel.close(promise: nil)
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        do throws(TransportError) {
            if let peer {
                try dispatch(frame, from: peer, context: context)
            } else {
                try handshake(frame, context: context)
            }
        } catch {
            close(context: context, error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        deliverBatch(context: context)
        context.fireChannelReadComplete()
    }

    private func dispatch(_ frame: Frame, from peer: PeerIdentity, context: ChannelHandlerContext) throws(TransportError) {
        switch frame.kind {
        case .hello:
            throw TransportError(.malformedFrame, "a second hello from \(peer)")
        case .message:
            batch.append(.message(InboundMessage(peer: peer, envelope: try Self.envelope(frame.payload))))
        case .request:
            let envelope = try Self.envelope(frame.payload)
            if link.admitInboundRequest(frame.correlationID) {
                batch.append(.request(InboundRequest(peer: peer, envelope: envelope, link: link, correlationID: frame.correlationID)))
            } else if context.channel.isWritable {
                let failure = RemoteFailure(code: TransportError.Code.overloaded.rawValue, message: "too many unanswered requests")
                write(.failure(failure, correlationID: frame.correlationID), context: context)
            }
        case .response:
            link.complete(frame.correlationID, with: .success(try Self.envelope(frame.payload)))
        case .error:
            let failure = try Self.decode(RemoteFailure.self, frame.payload)
            link.complete(frame.correlationID, with: .failure(TransportError(
                .remoteFailure, "\(peer) answered: \(failure.message)", mayHaveBeenDelivered: true, remoteCode: failure.code)))
        }
    }

    private func deliverBatch(context: ChannelHandlerContext) {
        guard !batch.isEmpty else { return }
        let events = batch
        batch.removeAll(keepingCapacity: true)
        switch shared.gate.deliver(events, from: context.channel) {
        case .delivered:
            break
        case .deliveredPause:
            context.channel.pauseReading()
        case .dropped:
            for case .request(let request) in events {
                request.fail(code: TransportError.Code.shutdown.rawValue, message: "the node is not accepting requests")
            }
        }
    }

    // MARK: Handshake

    private func handshake(_ frame: Frame, context: ChannelHandlerContext) throws(TransportError) {
        switch frame.kind {
        case .hello:
            break
        case .error:
            let failure = try Self.decode(RemoteFailure.self, frame.payload)
            throw TransportError(.handshakeFailed, "\(link.label) refused the handshake: \(failure.message)", remoteCode: failure.code)
        case .message, .request, .response:
            throw TransportError(.malformedFrame, "a \(frame.kind) frame before the handshake")
        }
        let remote = try Self.decode(Hello.self, frame.payload)
        let version: UInt32
        switch shared.hello.negotiate(with: remote) {
        case .success(let agreed):
            version = agreed
        case .failure(let error):
            if !link.isDialer {
                write(.failure(RemoteFailure(code: error.code.rawValue, message: error.message), correlationID: 0), context: context)
            }
            throw error
        }
        if !link.isDialer { writeHello(context: context) }
        let identity = PeerIdentity(
            nodeID: remote.nodeID, remoteAddress: context.channel.remoteAddress.map { "\($0)" } ?? "?", protocolVersion: version)
        guard link.handshakeCompleted(context.channel, peer: identity) else {
            throw TransportError(.shutdown, "the link to \(link.label) was closed during the handshake")
        }
        peer = identity
        handshakeTimer?.cancel()
        logger[metadataKey: "peer.node"] = "\(remote.nodeID)"
        logger.debug("handshake completed", metadata: ["protocol.version": "\(version)"])
    }

    private func writeHello(context: ChannelHandlerContext) {
        write(OutboundFrame(kind: .hello, correlationID: 0, payload: shared.hello.wireEncoded()), context: context)
    }

    private func write(_ frame: OutboundFrame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: frame.wireBytes)
        buffer.writeFrame(frame)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    // MARK: Payloads

    private static func envelope(_ payload: ByteBuffer) throws(TransportError) -> WireEnvelope {
        do {
            return try WireEnvelope(decoding: ArraySlice(payload.readableBytesView))
        } catch {
            throw TransportError(.malformedFrame, "bad envelope header: \(error)")
        }
    }

    private static func decode<T: WireCodable>(_: T.Type, _ payload: ByteBuffer) throws(TransportError) -> T {
        do {
            return try T(wireEncoded: payload.readableBytesView)
        } catch {
            throw TransportError(.malformedFrame, "bad \(T.self) frame: \(error)")
        }
    }
}
