/// A client's write as it travels in the Raft log: who sent it (for exactly-once
/// application), and what it does. Encoded in a small binary form.
struct KVCommand: Hashable, Sendable {
    var client: Int
    /// The client's operation number; a retried write keeps its number.
    var sequence: UInt64
    var key: String
    /// `.put` or `.delete` (reads never go through the log).
    var input: SimKV.Input

    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        switch input {
        case .put(_, let ifVersion), .delete(let ifVersion):
            writer.appendByte(UInt8(input.isDelete ? 1 : 0))
            writer.appendUInt64(UInt64(client))
            writer.appendUInt64(sequence)
            writer.appendByte(UInt8(ifVersion == nil ? 0 : 1))
            writer.appendUInt64(ifVersion ?? 0)
        case .get:
            preconditionFailure("reads are not logged")
        }
        writer.appendString(key)
        if case .put(let value, _) = input { writer.appendString(value) }
        return writer.bytes
    }

    init(client: Int, sequence: UInt64, key: String, input: SimKV.Input) {
        self.client = client
        self.sequence = sequence
        self.key = key
        self.input = input
    }

    /// Decodes `encoded()`; nil for anything else (the marker entries of liveness checks).
    init?(decoding bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        guard let kind = reader.byte(), kind <= 1, let client = reader.uint64(), let sequence = reader.uint64(),
            let hasVersion = reader.byte(), let ifVersion = reader.uint64(), let key = reader.string()
        else { return nil }
        let condition = hasVersion == 1 ? ifVersion : nil
        if kind == 1 {
            self.init(client: Int(client), sequence: sequence, key: key, input: .delete(ifVersion: condition))
        } else {
            guard let value = reader.string() else { return nil }
            self.init(client: Int(client), sequence: sequence, key: key, input: .put(value, ifVersion: condition))
        }
    }
}

extension SimKV.Input {
    var isDelete: Bool {
        if case .delete = self { return true }
        return false
    }
}

/// Little-endian binary writer for the simulation's own encodings.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func appendByte(_ byte: UInt8) { bytes.append(byte) }

    mutating func appendUInt64(_ value: UInt64) {
        var remaining = value
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }

    mutating func appendString(_ text: String) {
        appendUInt64(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }
}

/// Reads what `ByteWriter` wrote; every read returns nil past the end.
struct ByteReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        position += 1
        return bytes[position - 1]
    }

    mutating func uint64() -> UInt64? {
        guard bytes.count - position >= 8 else { return nil }
        var value: UInt64 = 0
        for offset in (0..<8).reversed() { value = value << 8 | UInt64(bytes[position + offset]) }
        position += 8
        return value
    }

    mutating func string() -> String? {
        guard let length = uint64(), UInt64(bytes.count - position) >= length else { return nil }
        let text = String(decoding: bytes[position..<(position + Int(length))], as: UTF8.self)
        position += Int(length)
        return text
    }
}
