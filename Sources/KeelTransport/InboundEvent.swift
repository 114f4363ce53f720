import KeelWire

/// Something a peer sent this node: a one-way message or a request awaiting an answer.
public enum InboundEvent: Sendable {
    case message(InboundMessage)
    case request(InboundRequest)

    /// The sender, as its handshake identified it.
    public var peer: PeerIdentity {
        switch self {
        case .message(let message): message.peer
        case .request(let request): request.peer
        }
    }

    /// The envelope carried.
    public var envelope: WireEnvelope {
        switch self {
        case .message(let message): message.envelope
        case .request(let request): request.envelope
        }
    }
}

/// A one-way message. Messages from one peer connection arrive in the order they were sent.
public struct InboundMessage: Sendable {
    public var peer: PeerIdentity
    public var envelope: WireEnvelope
}

/// A request. Answer it exactly once, with `respond` or `fail`, from any task: the answer
/// goes back on the connection the request came on. An unanswered request times out at the
/// requester; a second answer is ignored.
public struct InboundRequest: Sendable {
    public var peer: PeerIdentity
    public var envelope: WireEnvelope
    let link: PeerLink
    let correlationID: UInt64

    /// Sends `message` as the response.
    public func respond(_ message: some WireMessage) {
        let payload = WireEnvelope.encode(message)
        link.answer(correlationID, with: OutboundFrame(kind: .response, correlationID: correlationID, payload: payload))
    }

    /// Answers with an error; the requester's call throws `remote_failure` carrying `code`.
    public func fail(code: String, message: String) {
        link.answer(correlationID, with: .failure(RemoteFailure(code: code, message: message), correlationID: correlationID))
    }
}

extension OutboundFrame {
    /// An error frame carrying `failure`.
    static func failure(_ failure: RemoteFailure, correlationID: UInt64) -> OutboundFrame {
        OutboundFrame(kind: .error, correlationID: correlationID, payload: failure.wireEncoded())
    }
}
