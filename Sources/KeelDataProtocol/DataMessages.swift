import KeelReplication
import KeelTypes
import KeelWire

/// A router's (or a learner's) request to a data node (type 4000).
public enum DataRequest: WireMessage, Hashable {
    public static let wireType = WireMessageType(4000)

    case get(shard: ShardID, key: [UInt8], consistency: ReadConsistency)
    /// Writes for one shard, applied in order; one result each.
    case write(shard: ShardID, mutations: [Mutation])
    case scan(shard: ShardID, start: [UInt8], end: [UInt8]?, limit: Int, consistency: ReadConsistency)
    /// A learner pulls chunk `chunk` of the primary's store copy (docs/data-node.md).
    case snapshotChunk(shard: ShardID, epoch: Epoch, learner: DataNodeID, chunk: UInt64)

    public func encode(to writer: inout WireWriter) {
        switch self {
        case .get(let shard, let key, let consistency):
            writer.writeUInt8(1); writer.write(shard); writer.writeBytes(key); writer.write(consistency)
        case .write(let shard, let mutations):
            writer.writeUInt8(2); writer.write(shard); writer.writeArray(mutations)
        case .scan(let shard, let start, let end, let limit, let consistency):
            writer.writeUInt8(3); writer.write(shard); writer.writeBytes(start)
            writer.writeOptional(end) { $0.writeBytes($1) }
            writer.writeVarint(UInt64(limit)); writer.write(consistency)
        case .snapshotChunk(let shard, let epoch, let learner, let chunk):
            writer.writeUInt8(4); writer.write(shard); writer.write(epoch); writer.write(learner); writer.writeVarint(chunk)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readUInt8() {
        case 1: self = .get(shard: try reader.read(ShardID.self), key: try reader.readKey(), consistency: try reader.read(ReadConsistency.self))
        case 2: self = .write(shard: try reader.read(ShardID.self), mutations: try reader.readArray(of: Mutation.self, maxCount: DataWireBounds.maxBatch))
        case 3:
            let shard = try reader.read(ShardID.self)
            let start = try reader.readKey()
            let end = try reader.readOptional { (reader: inout WireReader) throws(WireError) in try reader.readKey() }
            self = .scan(shard: shard, start: start, end: end, limit: Int(try reader.readVarint(as: UInt32.self)), consistency: try reader.read(ReadConsistency.self))
        case 4:
            self = .snapshotChunk(
                shard: try reader.read(ShardID.self), epoch: try reader.read(Epoch.self), learner: try reader.read(DataNodeID.self),
                chunk: try reader.readVarint())
        case let tag: throw WireError(.malformed, "unknown data request \(tag)")
        }
    }
}

/// One entry of a store copy in stored (compressed, checksummed) form.
public struct SnapshotEntry: WireCodable, Hashable, Sendable {
    public var key: [UInt8]
    public var version: UInt64
    public var storedValue: [UInt8]
    public init(key: [UInt8], version: UInt64, storedValue: [UInt8]) {
        self.key = key
        self.version = version
        self.storedValue = storedValue
    }
    public func encode(to writer: inout WireWriter) {
        writer.writeBytes(key); writer.writeVarint(version); writer.writeBytes(storedValue)
    }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(key: try reader.readKey(), version: try reader.readVarint(), storedValue: try reader.readValue())
    }
}

/// Where a store copy was taken: the LSN (and epoch) its contents reflect.
public struct SnapshotPosition: WireCodable, Hashable, Sendable {
    public var lsn: LSN
    public var epoch: Epoch
    public var nextVersion: UInt64
    public init(lsn: LSN, epoch: Epoch, nextVersion: UInt64) {
        self.lsn = lsn
        self.epoch = epoch
        self.nextVersion = nextVersion
    }
    public func encode(to writer: inout WireWriter) { writer.write(lsn); writer.write(epoch); writer.writeVarint(nextVersion) }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(lsn: try reader.read(LSN.self), epoch: try reader.read(Epoch.self), nextVersion: try reader.readVarint())
    }
}

/// A data node's answer (type 4001).
public enum DataResponse: WireMessage, Hashable {
    public static let wireType = WireMessageType(4001)

    case value(VersionedValue?)
    case writes([Result<WriteOutcome, KeelError>])
    case scan(items: [ScanItem], next: [UInt8]?)
    /// A chunk of a store copy; `position` comes with the last one (`done`).
    case snapshotChunk(entries: [SnapshotEntry], position: SnapshotPosition?, done: Bool)
    case error(KeelError)

    public func encode(to writer: inout WireWriter) {
        switch self {
        case .value(let value):
            writer.writeUInt8(1); writer.writeOptional(value)
        case .writes(let results):
            writer.writeUInt8(2)
            writer.writeArray(results) { writer, result in
                switch result {
                case .success(let outcome): writer.writeUInt8(0); writer.write(outcome)
                case .failure(let error): writer.writeUInt8(1); writer.write(error)
                }
            }
        case .scan(let items, let next):
            writer.writeUInt8(3); writer.writeArray(items); writer.writeOptional(next) { $0.writeBytes($1) }
        case .snapshotChunk(let entries, let position, let done):
            writer.writeUInt8(4); writer.writeArray(entries); writer.writeOptional(position); writer.writeBool(done)
        case .error(let error):
            writer.writeUInt8(5); writer.write(error)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readUInt8() {
        case 1: self = .value(try reader.readOptional(VersionedValue.self))
        case 2:
            self = .writes(try reader.readArray(maxCount: DataWireBounds.maxBatch) { (reader: inout WireReader) throws(WireError) -> Result<WriteOutcome, KeelError> in
                switch try reader.readUInt8() {
                case 0: return .success(try reader.read(WriteOutcome.self))
                case 1: return .failure(try reader.read(KeelError.self))
                case let tag: throw WireError(.malformed, "unknown write result \(tag)")
                }
            })
        case 3:
            let items = try reader.readArray(of: ScanItem.self, maxCount: DataWireBounds.maxBatch)
            self = .scan(items: items, next: try reader.readOptional { (reader: inout WireReader) throws(WireError) in try reader.readKey() })
        case 4:
            self = .snapshotChunk(
                entries: try reader.readArray(of: SnapshotEntry.self, maxCount: DataWireBounds.maxBatch),
                position: try reader.readOptional(SnapshotPosition.self), done: try reader.readBool())
        case 5: self = .error(try reader.read(KeelError.self))
        case let tag: throw WireError(.malformed, "unknown data response \(tag)")
        }
    }
}

/// Replication traffic between the replicas of one shard (type 2000), one-way.
public struct ReplicationEnvelope: WireMessage, Hashable {
    public static let wireType = WireMessageType(2000)
    public var shard: ShardID
    public var from: DataNodeID
    public var message: ReplicationMessage

    public init(shard: ShardID, from: DataNodeID, message: ReplicationMessage) {
        self.shard = shard
        self.from = from
        self.message = message
    }

    public func encode(to writer: inout WireWriter) { writer.write(shard); writer.write(from); writer.write(message) }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(shard: try reader.read(ShardID.self), from: try reader.read(DataNodeID.self), message: try reader.read(ReplicationMessage.self))
    }
}

/// Primary → learner (type 2001): "you are behind my log; pull a copy of my store".
public struct SnapshotOffer: WireMessage, Hashable {
    public static let wireType = WireMessageType(2001)
    public var shard: ShardID
    public var epoch: Epoch
    public var primary: DataNodeID

    public init(shard: ShardID, epoch: Epoch, primary: DataNodeID) {
        self.shard = shard
        self.epoch = epoch
        self.primary = primary
    }

    public func encode(to writer: inout WireWriter) { writer.write(shard); writer.write(epoch); writer.write(primary) }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(shard: try reader.read(ShardID.self), epoch: try reader.read(Epoch.self), primary: try reader.read(DataNodeID.self))
    }
}
