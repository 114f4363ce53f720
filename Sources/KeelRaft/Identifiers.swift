/// A Raft term: a logical clock that grows by one with every election.
///
/// At most one leader exists per term (election safety); every message carries the
/// sender's term and a node that sees a larger term adopts it.
public struct Term: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Term, b: Term) -> Bool { a.rawValue < b.rawValue }
    /// The term before any election: nothing has been voted or logged in it.
    public static let zero = Term(0)
    /// The term after this one.
    public var next: Term { Term(rawValue + 1) }
    public var description: String { "t\(rawValue)" }
}

/// Position of an entry in the replicated log; the first entry has index 1.
///
/// Index 0 names the empty prefix of the log (nothing before it, term zero).
public struct LogIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: LogIndex, b: LogIndex) -> Bool { a.rawValue < b.rawValue }
    /// The empty prefix of the log.
    public static let zero = LogIndex(0)
    /// The index after this one.
    public var next: LogIndex { LogIndex(rawValue + 1) }
    /// The index before this one (zero stays zero).
    public var previous: LogIndex { LogIndex(rawValue == 0 ? 0 : rawValue - 1) }
    /// This index moved `count` positions forward.
    public func advanced(by count: Int) -> LogIndex { LogIndex(rawValue + UInt64(count)) }
    /// Number of positions from `other` up to this index (zero when `other` is not below).
    public func distance(from other: LogIndex) -> Int {
        rawValue > other.rawValue ? Int(rawValue - other.rawValue) : 0
    }
    public var description: String { "i\(rawValue)" }
}

/// Identity of one member of a Raft group. Never zero; never reused within a group.
public struct RaftNodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: RaftNodeID, b: RaftNodeID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "n\(rawValue)" }
}

/// Caller-chosen identity of a proposal, echoed when the proposal is accepted or rejected.
public struct ProposalID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "p\(rawValue)" }
}

/// Caller-chosen identity of a linearizable read, echoed in its `ReadState` or rejection.
///
/// Only unique per requesting node: a leader keys forwarded reads by (requester, id).
public struct ReadRequestID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "r\(rawValue)" }
}
