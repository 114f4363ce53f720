/// The position of a record in a `DurableLog`: records carry contiguous indexes, the first
/// record ever appended to an empty log has index 1, and 0 means "before the first record".
///
/// Raft uses it as its log index; primary-backup replication as its sequence number.
public struct LogIndex: RawRepresentable, Hashable, Comparable, Strideable, Sendable, Codable,
    CustomStringConvertible, ExpressibleByIntegerLiteral
{
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt64) { self.rawValue = value }

    /// The index before the first record.
    public static let zero = LogIndex(0)

    public static func < (a: LogIndex, b: LogIndex) -> Bool { a.rawValue < b.rawValue }
    public func distance(to other: LogIndex) -> Int { Int(Int64(bitPattern: other.rawValue &- rawValue)) }
    public func advanced(by n: Int) -> LogIndex { LogIndex(UInt64(bitPattern: Int64(bitPattern: rawValue) &+ Int64(n))) }

    /// The index after this one.
    public var next: LogIndex { LogIndex(rawValue + 1) }
    public var description: String { "#\(rawValue)" }
}

/// One record read back from a `DurableLog`: its index and the caller's opaque payload.
public struct LogRecord: Hashable, Sendable {
    public var index: LogIndex
    public var payload: [UInt8]

    public init(index: LogIndex, payload: [UInt8]) {
        self.index = index
        self.payload = payload
    }
}
