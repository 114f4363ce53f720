import Logging

/// Identity, limits and timing of a `PeerTransport`. Every queue and buffer it owns is
/// bounded by a field here.
public struct TransportConfiguration: Sendable {
    /// This node's name, sent in the handshake and shown in the peer's logs.
    public var nodeID: String
    /// Peers must present the same cluster id, so that nodes of two clusters never talk.
    public var clusterID: String
    /// Protocol versions this node speaks; peers agree on the highest version both speak.
    public var protocolVersions: ClosedRange<UInt32>

    /// Largest frame (header and payload, not the 4-byte length) sent or accepted. A peer
    /// that sends a larger one is disconnected; sending a larger message fails at once.
    public var maxFrameBytes: Int
    /// Frames queued per connection and not yet handed to the socket.
    public var maxQueuedFrames: Int
    /// Bytes of queued frames per connection (a single frame larger than this is still
    /// accepted into an empty queue, up to `maxFrameBytes`).
    public var maxQueuedBytes: Int
    /// `send` calls that may wait for queue space on one connection; beyond it `send` fails
    /// with `overloaded` like `trySend`.
    public var maxSuspendedSends: Int
    /// Requests awaiting a response per connection.
    public var maxPendingRequests: Int
    /// Requests a peer may have outstanding (delivered, not yet answered) on one inbound
    /// connection; beyond it the transport answers `overloaded` without delivering.
    public var maxInboundPendingRequests: Int
    /// Inbound events buffered for the consumer of `inbound`: reading from the sockets that
    /// feed it stops above the high mark and resumes below the low mark.
    public var inboundBufferLowWatermark: Int
    public var inboundBufferHighWatermark: Int
    /// Most bytes coalesced into one socket write.
    public var maxWriteBatchBytes: Int
    /// NIO write-buffer watermarks: a connection stops taking frames from its queue while
    /// more than `high` bytes are unsent, and resumes below `low`.
    public var writeBufferLowWatermarkBytes: Int
    public var writeBufferHighWatermarkBytes: Int
    /// `SO_SNDBUF`/`SO_RCVBUF` for every connection, or nil for the system default.
    public var socketBufferBytes: Int?

    /// Connections to each peer. One-way messages always use the first (so they stay in
    /// order); requests are spread over all of them round-robin.
    public var connectionsPerPeer: Int
    public var connectTimeout: Duration
    /// A connection whose handshake has not completed within this is closed.
    public var handshakeTimeout: Duration
    public var reconnectBackoff: ReconnectBackoff

    /// Where the transport logs (connection events at debug, closed connections at error).
    public var logger: Logger

    public init(
        nodeID: String,
        clusterID: String = "keel",
        logger: Logger = Logger(label: "keel.transport")
    ) {
        self.nodeID = nodeID
        self.clusterID = clusterID
        self.protocolVersions = TransportProtocol.supportedVersions
        self.maxFrameBytes = 32 << 20
        self.maxQueuedFrames = 4_096
        self.maxQueuedBytes = 64 << 20
        self.maxSuspendedSends = 1_024
        self.maxPendingRequests = 4_096
        self.maxInboundPendingRequests = 4_096
        self.inboundBufferLowWatermark = 64
        self.inboundBufferHighWatermark = 256
        self.maxWriteBatchBytes = 256 << 10
        self.writeBufferLowWatermarkBytes = 256 << 10
        self.writeBufferHighWatermarkBytes = 1 << 20
        self.socketBufferBytes = nil
        self.connectionsPerPeer = 1
        self.connectTimeout = .seconds(2)
        self.handshakeTimeout = .seconds(5)
        self.reconnectBackoff = ReconnectBackoff()
        self.logger = logger
    }

    /// Traps on settings that cannot work (a programming error, not input).
    func validate() {
        precondition(maxFrameBytes >= FrameLayout.headerBytes + 64, "maxFrameBytes is too small")
        precondition(maxQueuedFrames > 0 && maxQueuedBytes > 0, "send queues need room for a frame")
        precondition(maxPendingRequests > 0 && maxInboundPendingRequests > 0, "request limits must be positive")
        precondition(
            inboundBufferLowWatermark > 0 && inboundBufferLowWatermark <= inboundBufferHighWatermark,
            "inbound watermarks must satisfy 0 < low ≤ high")
        precondition(
            writeBufferLowWatermarkBytes > 0 && writeBufferLowWatermarkBytes <= writeBufferHighWatermarkBytes,
            "write-buffer watermarks must satisfy 0 < low ≤ high")
        precondition(connectionsPerPeer > 0 && maxWriteBatchBytes > 0, "connectionsPerPeer and maxWriteBatchBytes must be positive")
        precondition(nodeID.utf8.count <= Hello.maxNameBytes && clusterID.utf8.count <= Hello.maxNameBytes, "names are too long")
    }
}

/// Versions of the framing and handshake protocol (not of individual messages, which
/// carry their own versions in their envelopes).
public enum TransportProtocol {
    /// Version 1: frames `length | kind | correlation id | payload`, kinds hello, message,
    /// request, response and error.
    public static let supportedVersions: ClosedRange<UInt32> = 1...1
}
