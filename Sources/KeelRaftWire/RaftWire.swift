import KeelRaft
import KeelWire

/// Raft messages on the wire: a batch of `RaftMessage`s for one Raft group.
///
/// `group` names the group (0 is the meta group; a shard's id in the Raft baseline), so
/// that every group on a node shares one connection per peer. Batching the messages of one
/// output into one frame saves a syscall per message on the hot path.
public struct RaftBatch: WireMessage, Hashable {
    public static let wireType = WireMessageType(1000)
    /// Most messages in one batch (the sender splits larger outputs).
    public static let maxMessages = 4096

    public var group: UInt64
    public var messages: [RaftMessage]

    public init(group: UInt64, messages: [RaftMessage]) {
        self.group = group
        self.messages = messages
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeVarint(group)
        writer.writeArray(messages)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        group = try reader.readVarint()
        messages = try reader.readArray(of: RaftMessage.self, maxCount: Self.maxMessages)
    }
}

/// Bounds on Raft data arriving from a peer.
public enum RaftWireBounds {
    /// Entries in one append (the sender's `maxMessageBytes` keeps real batches far below).
    public static let maxEntries = 65_536
    /// One entry's data, and one snapshot chunk.
    public static let maxDataBytes = 64 << 20
    /// Members of a configuration.
    public static let maxMembers = 1024
}

extension Term: VarintWireCodable {}

extension LogIndex: VarintWireCodable {}

extension RaftNodeID: VarintWireCodable {}

extension ReadRequestID: VarintWireCodable {}

extension ReadMode: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeUInt8(rawValue) }
    public init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8()
        guard let mode = ReadMode(rawValue: raw) else { throw WireError(.malformed, "unknown read mode \(raw)") }
        self = mode
    }
}

extension ReadRejection: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeString(rawValue) }
    public init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readString(maxBytes: 64)
        guard let rejection = ReadRejection(rawValue: raw) else { throw WireError(.malformed, "unknown read rejection \(raw)") }
        self = rejection
    }
}

extension Entry: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(term)
        writer.write(index)
        writer.writeUInt8(kind.rawValue)
        writer.writeBytes(data)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let term = try reader.read(Term.self)
        let index = try reader.read(LogIndex.self)
        let rawKind = try reader.readUInt8()
        guard let kind = Entry.Kind(rawValue: rawKind) else { throw WireError(.malformed, "unknown entry kind \(rawKind)") }
        self.init(term: term, index: index, kind: kind, data: try reader.readBytes(maxCount: RaftWireBounds.maxDataBytes))
    }
}

extension RaftConfiguration: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeArray(voters)
        writer.writeArray(learners)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let voters = try reader.readArray(of: RaftNodeID.self, maxCount: RaftWireBounds.maxMembers)
        let learners = try reader.readArray(of: RaftNodeID.self, maxCount: RaftWireBounds.maxMembers)
        self.init(voters: voters, learners: learners)
    }
}

extension SnapshotMetadata: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(index)
        writer.write(term)
        writer.write(configuration)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        self.init(
            index: try reader.read(LogIndex.self), term: try reader.read(Term.self),
            configuration: try reader.read(RaftConfiguration.self))
    }
}

extension HardState: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(term)
        writer.writeOptional(vote)
        writer.write(commit)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        self.init(term: try reader.read(Term.self), vote: try reader.readOptional(RaftNodeID.self), commit: try reader.read(LogIndex.self))
    }
}

extension Snapshot: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(metadata)
        writer.writeBytes(data)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        self.init(metadata: try reader.read(SnapshotMetadata.self), data: try reader.readBytes(maxCount: Int.max))
    }
}
