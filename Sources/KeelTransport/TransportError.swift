/// Why a transport operation failed.
///
/// `code` is stable and searchable. `mayHaveBeenDelivered` tells a caller whether the peer
/// may have received (and acted on) the message or request: false only when the transport
/// knows it never left this process, so a retry cannot apply it twice.
public struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The send queue (or the pending-request table) for the peer is full.
        case overloaded
        /// No response arrived within the request's timeout.
        case timeout
        /// The connection closed after the request was written.
        case connectionClosed = "connection_closed"
        /// The transport could not connect to the peer (or the handshake failed).
        case unreachable
        /// The peer and this node share no protocol version, or belong to different clusters.
        case handshakeFailed = "handshake_failed"
        /// A frame (or message) is larger than `maxFrameBytes`.
        case frameTooLarge = "frame_too_large"
        /// Bytes on a connection do not form a valid frame.
        case malformedFrame = "malformed_frame"
        /// The peer's handler answered the request with an error (see `remoteCode`).
        case remoteFailure = "remote_failure"
        /// The transport is shutting down or has shut down.
        case shutdown
        /// The calling task was cancelled.
        case cancelled
        /// `start` failed or was called twice.
        case listenFailed = "listen_failed"
    }

    public var code: Code
    public var message: String
    /// Whether the peer may have received the message: see the type's comment.
    public var mayHaveBeenDelivered: Bool
    /// For `remoteFailure`, the code the peer's handler gave.
    public var remoteCode: String?

    public init(_ code: Code, _ message: String, mayHaveBeenDelivered: Bool = false, remoteCode: String? = nil) {
        self.code = code
        self.message = message
        self.mayHaveBeenDelivered = mayHaveBeenDelivered
        self.remoteCode = remoteCode
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let remoteCode { text += " (remote \(remoteCode))" }
        return text
    }

    /// The same failure, marked as possibly delivered.
    func possiblyDelivered() -> TransportError {
        var copy = self
        copy.mayHaveBeenDelivered = true
        return copy
    }
}
