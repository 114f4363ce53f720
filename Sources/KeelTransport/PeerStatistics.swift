/// A snapshot of the connections to one peer, for metrics and tests.
public struct PeerStatistics: Hashable, Sendable {
    /// Connections whose handshake has completed.
    public var connectedLinks: Int
    /// Frames queued and not yet written, over all connections to the peer.
    public var queuedFrames: Int
    public var queuedBytes: Int
    /// `send` calls waiting for room.
    public var waitingSenders: Int
    /// Requests awaiting a response.
    public var pendingRequests: Int

    public init(connectedLinks: Int = 0, queuedFrames: Int = 0, queuedBytes: Int = 0, waitingSenders: Int = 0, pendingRequests: Int = 0) {
        self.connectedLinks = connectedLinks
        self.queuedFrames = queuedFrames
        self.queuedBytes = queuedBytes
        self.waitingSenders = waitingSenders
        self.pendingRequests = pendingRequests
    }
}

extension PeerLink {
    /// This link's contribution to its peer's statistics.
    var statistics: PeerStatistics {
        state.withLock { state in
            var connected = 0
            if case .ready = state.phase { connected = 1 }
            return PeerStatistics(
                connectedLinks: connected, queuedFrames: state.queue.count, queuedBytes: state.queue.byteCount,
                waitingSenders: state.waiters.count, pendingRequests: state.pending.count)
        }
    }
}

extension PeerStatistics {
    static func + (a: PeerStatistics, b: PeerStatistics) -> PeerStatistics {
        PeerStatistics(
            connectedLinks: a.connectedLinks + b.connectedLinks, queuedFrames: a.queuedFrames + b.queuedFrames,
            queuedBytes: a.queuedBytes + b.queuedBytes, waitingSenders: a.waitingSenders + b.waitingSenders,
            pendingRequests: a.pendingRequests + b.pendingRequests)
    }
}
