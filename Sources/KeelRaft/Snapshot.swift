/// What a snapshot covers: every entry up to `index` (whose term is `term`), and the
/// membership in force at that index.
public struct SnapshotMetadata: Hashable, Sendable {
    public var index: LogIndex
    public var term: Term
    public var configuration: RaftConfiguration

    public init(index: LogIndex, term: Term, configuration: RaftConfiguration) {
        self.index = index
        self.term = term
        self.configuration = configuration
    }
}

/// A state-machine image that replaces the log prefix up to `metadata.index`.
///
/// `data` is opaque to Raft: the shell produces it when it compacts and consumes it when
/// it restores.
public struct Snapshot: Hashable, Sendable {
    public var metadata: SnapshotMetadata
    public var data: [UInt8]

    public init(metadata: SnapshotMetadata, data: [UInt8]) {
        self.metadata = metadata
        self.data = data
    }
}
