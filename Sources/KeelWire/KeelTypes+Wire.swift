import KeelTypes

/// Bounds on the shared vocabulary when it arrives from a peer. Decoders reject anything
/// larger as `oversize` before allocating it.
public enum WireBounds {
    /// Longest data-node name, in UTF-8 bytes.
    public static let maxNodeIDBytes = 255
    /// Longest key (and key-range boundary), in bytes: the user-visible key limit.
    public static let maxKeyBytes = KeelLimits.maxKeyBytes
    /// Most replicas (backups, or learners) listed for one shard.
    public static let maxReplicasPerShard = 64
}

extension ShardID: VarintWireCodable {}

extension Epoch: VarintWireCodable {}

extension DataNodeID: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeString(rawValue) }
    public init(from reader: inout WireReader) throws(WireError) {
        self.init(try reader.readString(maxBytes: WireBounds.maxNodeIDBytes))
    }
}

/// Encoded as 8 fixed bytes of nanoseconds: timestamps are large, so a varint saves nothing.
extension MonotonicTime: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) { writer.writeUInt64(nanoseconds) }
    public init(from reader: inout WireReader) throws(WireError) { self.init(nanoseconds: try reader.readUInt64()) }
}

/// Encoded as whole nanoseconds, a zigzag varint (clamped to the range of `Int64`).
extension Duration: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        writer.writeSignedVarint(overflow || overflow2 ? (seconds < 0 ? .min : .max) : total)
    }
    public init(from reader: inout WireReader) throws(WireError) { self = .nanoseconds(try reader.readSignedVarint()) }
}

/// `start` bytes, then an optional `end`; a range whose start does not precede its end is `malformed`.
extension KeyRange: WireCodable {
    public static var wireFraming: WireFraming { .inline }
    public func encode(to writer: inout WireWriter) {
        writer.writeBytes(start)
        writer.writeOptional(end) { writer, end in writer.writeBytes(end) }
    }
    public init(from reader: inout WireReader) throws(WireError) {
        let startOffset = reader.offset
        let start = try reader.readBytes(maxCount: WireBounds.maxKeyBytes)
        let end = try reader.readOptional { reader throws(WireError) in try reader.readBytes(maxCount: WireBounds.maxKeyBytes) }
        if let end, !start.lexicographicallyPrecedes(end) {
            throw WireError(.malformed, "key range start does not precede its end", offset: startOffset)
        }
        self.init(start: start, end: end)
    }
}

/// One byte per state. A state added later is a new code that older readers reject as
/// `malformed`; see docs/wire.md on enums.
extension ShardState: WireCodable {
    public static var wireFraming: WireFraming { .inline }

    private static let codes: [ShardState] = [.active, .splitting, .merging, .retired]

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(UInt8(ShardState.codes.firstIndex(of: self)!))
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let offset = reader.offset
        let code = Int(try reader.readUInt8())
        guard code < ShardState.codes.count else {
            throw WireError(.malformed, "unknown shard state \(code)", offset: offset)
        }
        self = ShardState.codes[code]
    }
}

/// A length-prefixed struct (fields may be appended): id, range, epoch, primary?, backups,
/// learners, state.
extension ShardDescriptor: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(id)
        writer.write(range)
        writer.write(epoch)
        writer.writeOptional(primary)
        writer.writeArray(backups)
        writer.writeArray(learners)
        writer.write(state)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        self.init(
            id: try reader.read(ShardID.self),
            range: try reader.read(KeyRange.self),
            epoch: try reader.read(Epoch.self),
            primary: try reader.readOptional(DataNodeID.self),
            backups: try reader.readArray(of: DataNodeID.self, maxCount: WireBounds.maxReplicasPerShard),
            learners: try reader.readArray(of: DataNodeID.self, maxCount: WireBounds.maxReplicasPerShard),
            state: try reader.read(ShardState.self))
    }
}
