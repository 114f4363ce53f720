import KeelWire

/// The first frame on every connection, sent by both sides: who I am, which cluster I
/// belong to, which protocol versions I speak. A length-prefixed struct, so later versions
/// may append fields.
struct Hello: WireCodable, Hashable, Sendable {
    static let maxNameBytes = 255

    var nodeID: String
    var clusterID: String
    var protocolVersions: ClosedRange<UInt32>

    init(nodeID: String, clusterID: String, protocolVersions: ClosedRange<UInt32>) {
        self.nodeID = nodeID
        self.clusterID = clusterID
        self.protocolVersions = protocolVersions
    }

    func encode(to writer: inout WireWriter) {
        writer.writeString(nodeID)
        writer.writeString(clusterID)
        writer.writeVarint(UInt64(protocolVersions.lowerBound))
        writer.writeVarint(UInt64(protocolVersions.upperBound))
    }

    init(from reader: inout WireReader) throws(WireError) {
        nodeID = try reader.readString(maxBytes: Hello.maxNameBytes)
        clusterID = try reader.readString(maxBytes: Hello.maxNameBytes)
        let lowest = try reader.readVarint(as: UInt32.self)
        let highest = try reader.readVarint(as: UInt32.self)
        guard lowest <= highest else { throw WireError(.malformed, "protocol versions \(lowest)...\(highest)") }
        protocolVersions = lowest...highest
    }

    /// The version both sides speak (the highest common one), or a handshake failure.
    func negotiate(with remote: Hello) -> Result<UInt32, TransportError> {
        guard remote.clusterID == clusterID else {
            return .failure(TransportError(
                .handshakeFailed, "peer \(remote.nodeID) belongs to cluster \(remote.clusterID), not \(clusterID)"))
        }
        let highest = min(protocolVersions.upperBound, remote.protocolVersions.upperBound)
        guard highest >= max(protocolVersions.lowerBound, remote.protocolVersions.lowerBound) else {
            return .failure(TransportError(
                .handshakeFailed,
                "peer \(remote.nodeID) speaks protocol \(remote.protocolVersions), this node \(protocolVersions)"))
        }
        return .success(highest)
    }
}

/// Payload of an error frame: a code (snake_case) and a human message.
struct RemoteFailure: WireCodable, Hashable, Sendable {
    static let maxCodeBytes = 64
    static let maxMessageBytes = 1_024

    var code: String
    var message: String

    init(code: String, message: String) {
        self.code = String(decoding: code.utf8.prefix(RemoteFailure.maxCodeBytes), as: UTF8.self)
        self.message = String(decoding: message.utf8.prefix(RemoteFailure.maxMessageBytes), as: UTF8.self)
    }

    func encode(to writer: inout WireWriter) {
        writer.writeString(code)
        writer.writeString(message)
    }

    init(from reader: inout WireReader) throws(WireError) {
        code = try reader.readString(maxBytes: RemoteFailure.maxCodeBytes)
        message = try reader.readString(maxBytes: RemoteFailure.maxMessageBytes)
    }
}

/// Who is on the other end of a connection, as its handshake said.
public struct PeerIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The peer's `nodeID`.
    public var nodeID: String
    /// The remote socket address of the connection (for logs).
    public var remoteAddress: String
    /// The protocol version the two sides agreed on.
    public var protocolVersion: UInt32

    public var description: String { "\(nodeID)@\(remoteAddress)" }
}
