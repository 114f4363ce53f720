import KeelTypes

/// A validated `GET /v1/scan?start=&end=&prefix=&limit=&consistency=`.
///
/// `start` is inclusive, `end` exclusive (empty or absent: to the end of the key space);
/// `prefix` narrows the range to keys that start with it. Bounds are raw bytes after
/// percent-decoding; they need not be valid keys themselves.
struct ScanRequest: Equatable {
    var range: KeyRange
    var limit: Int
    var consistency: ReadConsistency
    /// True when the bounds leave no key at all (the answer is empty).
    var isEmpty: Bool

    init(_ query: QueryParameters, defaultLimit: Int, maxLimit: Int) throws(KeelError) {
        limit = Int(try query.integer("limit", in: 1...UInt64(maxLimit)) ?? UInt64(defaultLimit))
        consistency = try query.consistency()
        var start = query.bytes("start") ?? []
        var end = query.bytes("end").flatMap { $0.isEmpty ? nil : $0 }
        if let prefix = query.bytes("prefix"), !prefix.isEmpty {
            if start.lexicographicallyPrecedes(prefix) { start = prefix }
            if let successor = Self.successor(ofPrefix: prefix), end.map({ successor.lexicographicallyPrecedes($0) }) ?? true {
                end = successor
            }
        }
        isEmpty = end.map { !start.lexicographicallyPrecedes($0) } ?? false
        range = isEmpty ? KeyRange(start: start, end: nil) : KeyRange(start: start, end: end)
    }

    /// The smallest key greater than every key with this prefix (nil: none, the prefix is all 0xFF).
    static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last, last == 0xFF { bytes.removeLast() }
        guard !bytes.isEmpty else { return nil }
        bytes[bytes.count - 1] += 1
        return bytes
    }
}
