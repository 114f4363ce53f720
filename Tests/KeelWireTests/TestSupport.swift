import KeelTypes
import KeelWire


let propertySeeds: [UInt64] = [1, 2, 3, 42, 1234, 99_999, 0xDEAD_BEEF, 7_777_777]

extension SplitMix64 {
    mutating func bytes(maxCount: Int) -> [UInt8] {
        (0..<Int.random(in: 0...maxCount, using: &self)).map { _ in UInt8.random(in: 0...255, using: &self) }
    }

    /// An integer whose magnitude is spread over all varint lengths.
    mutating func spreadUInt64() -> UInt64 {
        UInt64.random(in: 0...UInt64.max, using: &self) >> UInt64.random(in: 0...63, using: &self)
    }

    mutating func nodeID() -> DataNodeID {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789-é🙂")
        return DataNodeID(String((0..<Int.random(in: 1...12, using: &self)).map { _ in letters.randomElement(using: &self)! }))
    }

    mutating func keyRange() -> KeyRange {
        let start = bytes(maxCount: 20)
        guard Bool.random(using: &self) else { return KeyRange(start: start, end: nil) }
        return KeyRange(start: start, end: start + [UInt8.random(in: 0...255, using: &self)] + bytes(maxCount: 4))
    }

    mutating func shardDescriptor() -> ShardDescriptor {
        ShardDescriptor(
            id: ShardID(spreadUInt64()), range: keyRange(), epoch: Epoch(spreadUInt64()),
            primary: Bool.random(using: &self) ? nodeID() : nil,
            backups: (0..<Int.random(in: 0...4, using: &self)).map { _ in nodeID() },
            learners: (0..<Int.random(in: 0...2, using: &self)).map { _ in nodeID() },
            state: [ShardState.active, .splitting, .merging, .retired].randomElement(using: &self)!)
    }
}

/// A message that uses every primitive, with every field required: any strict prefix of its
/// encoding must fail to decode.
struct Sample: WireMessage, Hashable {
    static let wireType = WireMessageType(9_001)
    var counter: UInt64
    var fixed: UInt32
    var signed: Int64
    var flag: Bool
    var blob: [UInt8]
    var text: String
    var maybeShard: ShardID?
    var nodes: [DataNodeID]
    var descriptor: ShardDescriptor
    var ranges: [KeyRange]
    var time: MonotonicTime
    var timeout: Duration

    func encode(to writer: inout WireWriter) {
        writer.writeVarint(counter)
        writer.writeUInt32(fixed)
        writer.writeSignedVarint(signed)
        writer.writeBool(flag)
        writer.writeBytes(blob)
        writer.writeString(text)
        writer.writeOptional(maybeShard)
        writer.writeArray(nodes)
        writer.write(descriptor)
        writer.writeArray(ranges)
        writer.write(time)
        writer.write(timeout)
    }

    init(from reader: inout WireReader) throws(WireError) {
        counter = try reader.readVarint()
        fixed = try reader.readUInt32()
        signed = try reader.readSignedVarint()
        flag = try reader.readBool()
        blob = try reader.readBytes(maxCount: 4096)
        text = try reader.readString(maxBytes: 256)
        maybeShard = try reader.readOptional(ShardID.self)
        nodes = try reader.readArray(of: DataNodeID.self, maxCount: 16)
        descriptor = try reader.read(ShardDescriptor.self)
        ranges = try reader.readArray(of: KeyRange.self, maxCount: 16)
        time = try reader.read(MonotonicTime.self)
        timeout = try reader.read(Duration.self)
    }

    init(using rng: inout SplitMix64) {
        counter = rng.spreadUInt64()
        fixed = UInt32.random(in: 0...UInt32.max, using: &rng)
        signed = Int64(bitPattern: rng.spreadUInt64()) * (Bool.random(using: &rng) ? -1 : 1)
        flag = Bool.random(using: &rng)
        blob = rng.bytes(maxCount: 300)
        text = String(decoding: rng.bytes(maxCount: 40).map { $0 & 0x7F }, as: UTF8.self) + "héllo 🙂"
        maybeShard = Bool.random(using: &rng) ? ShardID(rng.spreadUInt64()) : nil
        nodes = (0..<Int.random(in: 0...5, using: &rng)).map { _ in rng.nodeID() }
        descriptor = rng.shardDescriptor()
        ranges = (0..<Int.random(in: 0...3, using: &rng)).map { _ in rng.keyRange() }
        time = MonotonicTime(nanoseconds: rng.next())
        timeout = .nanoseconds(Int64(bitPattern: rng.spreadUInt64()))
    }
}

/// Runs `body` and returns the `WireError` it throws, or nil if it succeeds. The closure's
/// type says it can throw nothing but `WireError`: the compiler checks the "typed error" rule.
func wireError<T>(_ body: () throws(WireError) -> T) -> WireError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
