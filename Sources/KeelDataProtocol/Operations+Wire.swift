import KeelReplication
import KeelTypes
import KeelWire

/// Wire encodings of the client vocabulary (KeelTypes) and the replication records.
/// Tags are one byte; an unknown tag is `malformed` (a new case needs a new protocol version).

extension KeyVersion: VarintWireCodable {}

extension LSN: VarintWireCodable {}

/// Bounds on data-plane payloads arriving from a peer.
public enum DataWireBounds {
    public static let maxValueBytes = 64 << 20
    public static let maxBatch = 65_536
    public static let maxMessageBytes = 1 << 20
}

extension WireReader {
    mutating func readKey() throws(WireError) -> [UInt8] { try readBytes(maxCount: WireBounds.maxKeyBytes) }
    mutating func readValue() throws(WireError) -> [UInt8] { try readBytes(maxCount: DataWireBounds.maxValueBytes) }
}

extension WriteCondition: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) {
        switch self {
        case .none: writer.writeUInt8(0)
        case .ifVersion(let version):
            writer.writeUInt8(1)
            writer.write(version)
        }
    }
    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readUInt8() {
        case 0: self = .none
        case 1: self = .ifVersion(try reader.read(KeyVersion.self))
        case let tag: throw WireError(.malformed, "unknown write condition \(tag)")
        }
    }
}

extension Mutation: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case .put(let key, let value, let condition):
            writer.writeUInt8(1)
            writer.writeBytes(key)
            writer.writeBytes(value)
            writer.write(condition)
        case .delete(let key, let condition):
            writer.writeUInt8(2)
            writer.writeBytes(key)
            writer.write(condition)
        }
    }
    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readUInt8() {
        case 1: self = .put(key: try reader.readKey(), value: try reader.readValue(), condition: try reader.read(WriteCondition.self))
        case 2: self = .delete(key: try reader.readKey(), condition: try reader.read(WriteCondition.self))
        case let tag: throw WireError(.malformed, "unknown mutation \(tag)")
        }
    }
}

extension ReadConsistency: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeUInt8(self == .linearizable ? 0 : 1) }
    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readUInt8() {
        case 0: self = .linearizable
        case 1: self = .stale
        case let tag: throw WireError(.malformed, "unknown consistency \(tag)")
        }
    }
}

extension WriteOutcome: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(shard)
        writer.write(version)
    }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(shard: try reader.read(ShardID.self), version: try reader.read(KeyVersion.self))
    }
}

extension VersionedValue: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeBytes(value)
        writer.write(version)
        writer.write(shard)
    }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(value: try reader.readValue(), version: try reader.read(KeyVersion.self), shard: try reader.read(ShardID.self))
    }
}

extension ScanItem: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeBytes(key)
        writer.writeBytes(value)
        writer.write(version)
    }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(key: try reader.readKey(), value: try reader.readValue(), version: try reader.read(KeyVersion.self))
    }
}

extension KeelError: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeString(code.rawValue)
        writer.writeString(message)
        writer.writeBool(maybeApplied)
        writer.writeOptional(shard)
    }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(
            KeelError.Code(rawValue: try reader.readString(maxBytes: 64)), try reader.readString(maxBytes: 4096),
            maybeApplied: try reader.readBool(), shard: try reader.readOptional(ShardDescriptor.self))
    }
}

extension ReplicatedWrite: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case .put(let key, let value, let version):
            writer.writeUInt8(1)
            writer.writeBytes(key)
            writer.writeBytes(value)
            writer.write(version)
        case .delete(let key):
            writer.writeUInt8(2)
            writer.writeBytes(key)
        }
    }
    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readUInt8() {
        case 1: self = .put(key: try reader.readKey(), value: try reader.readValue(), version: try reader.read(KeyVersion.self))
        case 2: self = .delete(key: try reader.readKey())
        case let tag: throw WireError(.malformed, "unknown replicated write \(tag)")
        }
    }
}

extension ReplicationRecord: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(lsn)
        writer.write(epoch)
        writer.writeArray(writes)
    }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(
            lsn: try reader.read(LSN.self), epoch: try reader.read(Epoch.self),
            writes: try reader.readArray(of: ReplicatedWrite.self, maxCount: DataWireBounds.maxBatch))
    }
}

extension ReplicationMessage: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case .prepare(let epoch, let records, let commit):
            writer.writeUInt8(1); writer.write(epoch); writer.writeArray(records); writer.write(commit)
        case .prepareAck(let epoch, let durable):
            writer.writeUInt8(2); writer.write(epoch); writer.write(durable)
        case .prepareGap(let epoch, let expected):
            writer.writeUInt8(3); writer.write(epoch); writer.write(expected)
        case .commit(let epoch, let commit):
            writer.writeUInt8(4); writer.write(epoch); writer.write(commit)
        case .reconcile(let epoch, let last, let lastEpoch, let commit):
            writer.writeUInt8(5); writer.write(epoch); writer.write(last); writer.write(lastEpoch); writer.write(commit)
        case .reconcileReply(let epoch, let last, let lastEpoch):
            writer.writeUInt8(6); writer.write(epoch); writer.write(last); writer.write(lastEpoch)
        case .staleEpoch(let view):
            writer.writeUInt8(7); writer.write(view)
        }
    }
    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readUInt8() {
        case 1:
            self = .prepare(
                epoch: try reader.read(Epoch.self), records: try reader.readArray(of: ReplicationRecord.self, maxCount: 4096),
                commit: try reader.read(LSN.self))
        case 2: self = .prepareAck(epoch: try reader.read(Epoch.self), durable: try reader.read(LSN.self))
        case 3: self = .prepareGap(epoch: try reader.read(Epoch.self), expected: try reader.read(LSN.self))
        case 4: self = .commit(epoch: try reader.read(Epoch.self), commit: try reader.read(LSN.self))
        case 5:
            self = .reconcile(
                epoch: try reader.read(Epoch.self), last: try reader.read(LSN.self), lastEpoch: try reader.read(Epoch.self),
                commit: try reader.read(LSN.self))
        case 6: self = .reconcileReply(epoch: try reader.read(Epoch.self), last: try reader.read(LSN.self), lastEpoch: try reader.read(Epoch.self))
        case 7: self = .staleEpoch(try reader.read(ShardDescriptor.self))
        case let tag: throw WireError(.malformed, "unknown replication message \(tag)")
        }
    }
}
