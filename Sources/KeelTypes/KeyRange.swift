/// A half-open range of keys `[start, end)` in bytewise (memcmp) order.
///
/// `start` is inclusive; `end == nil` means "to the end of the key space". The empty
/// key is the smallest key, so `KeyRange.all` (`["", nil)`) covers every key.
public struct KeyRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public var start: [UInt8]
    public var end: [UInt8]?

    public init(start: [UInt8], end: [UInt8]?) {
        precondition(end.map { start.lexicographicallyPrecedes($0) } ?? true, "KeyRange start must precede end")
        self.start = start
        self.end = end
    }

    /// The whole key space.
    public static let all = KeyRange(start: [], end: nil)

    /// Whether `key` lies in `[start, end)`.
    public func contains(_ key: some Collection<UInt8>) -> Bool {
        if key.lexicographicallyPrecedes(start) { return false }
        guard let end else { return true }
        return key.lexicographicallyPrecedes(end)
    }

    /// Whether the two ranges share at least one key.
    public func overlaps(_ other: KeyRange) -> Bool {
        let startsBeforeOtherEnds = other.end.map { start.lexicographicallyPrecedes($0) } ?? true
        let otherStartsBeforeEnd = end.map { other.start.lexicographicallyPrecedes($0) } ?? true
        return startsBeforeOtherEnds && otherStartsBeforeEnd
    }

    /// Splits at `key`, which must lie strictly inside the range: `[start, key)` and `[key, end)`.
    public func split(at key: [UInt8]) -> (left: KeyRange, right: KeyRange)? {
        guard contains(key), key != start else { return nil }
        return (KeyRange(start: start, end: key), KeyRange(start: key, end: end))
    }

    public var description: String {
        "[\(KeyRange.render(start)), \(end.map(KeyRange.render) ?? "∞"))"
    }

    static func render(_ key: [UInt8]) -> String {
        if let text = String(validating: key, as: UTF8.self), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
            return "\"\(text)\""
        }
        return "0x" + key.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
