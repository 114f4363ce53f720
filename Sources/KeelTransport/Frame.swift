import NIOCore

/// What a frame carries. A kind this version does not know is a malformed frame: new kinds
/// are only sent once the handshake has agreed on a protocol version that has them.
enum FrameKind: UInt8, Sendable {
    /// The first frame each side sends: a `Hello`.
    case hello = 0
    /// A one-way message (an envelope); no answer expected.
    case message = 1
    /// A request (an envelope); answered by a response or error frame with its correlation id.
    case request = 2
    /// The answer to a request (an envelope).
    case response = 3
    /// A failure: the answer to a request, or a handshake refusal. Payload: `RemoteFailure`.
    case error = 4
}

/// Byte layout of a frame: `UInt32 LE length | UInt8 kind | UInt64 LE correlation id | payload`,
/// where `length` counts everything after itself.
enum FrameLayout {
    static let lengthFieldBytes = 4
    /// Kind and correlation id.
    static let headerBytes = 9
}

/// A decoded inbound frame. The payload is a slice of the read buffer (not copied).
struct Frame: Sendable {
    var kind: FrameKind
    var correlationID: UInt64
    var payload: ByteBuffer
}

/// A frame waiting in a send queue.
struct OutboundFrame: Sendable {
    var kind: FrameKind
    var correlationID: UInt64
    var payload: [UInt8]

    /// Bytes the frame takes on the wire, length field included.
    var wireBytes: Int { FrameLayout.lengthFieldBytes + FrameLayout.headerBytes + payload.count }
}

extension ByteBuffer {
    /// Appends `frame` in the wire layout.
    mutating func writeFrame(_ frame: OutboundFrame) {
        writeInteger(UInt32(FrameLayout.headerBytes + frame.payload.count), endianness: .little)
        writeInteger(frame.kind.rawValue)
        writeInteger(frame.correlationID, endianness: .little)
        writeBytes(frame.payload)
    }
}
