/// One record of the replicated log.
///
/// Two logs holding an entry with the same index and term hold the same entries up to
/// that index (log matching). `data` is opaque to Raft except for `.configChange`
/// entries, whose data is an encoded `ConfigChange`.
public struct Entry: Hashable, Sendable {
    /// What the entry carries.
    public enum Kind: UInt8, Hashable, Sendable {
        /// Application data, applied by the shell's state machine.
        case normal = 0
        /// A membership change (`ConfigChange.encoded()`); the core activates it once committed.
        case configChange = 1
        /// No data: appended by every new leader so that it can commit an entry of its term.
        case empty = 2
    }

    public var term: Term
    public var index: LogIndex
    public var kind: Kind
    public var data: [UInt8]

    public init(term: Term, index: LogIndex, kind: Kind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// Bytes this entry is charged for in message-size limits: its data plus a fixed
    /// header allowance (term, index, kind, length), so that empty entries are not free.
    public var sizeBytes: Int { data.count + Entry.headerBytes }

    /// The fixed per-entry allowance used by `sizeBytes`.
    public static let headerBytes = 24
}
