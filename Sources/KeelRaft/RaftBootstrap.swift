/// The durable state a core starts from: what the shell persisted before a restart, or
/// the initial membership of a brand-new group.
///
/// `entries` are the persisted entries after the snapshot (contiguous, starting at
/// `snapshot.metadata.index + 1`). `applied` is the last index the shell's state machine
/// has applied (at least the snapshot index, at most `hardState.commit`); the core hands
/// out committed entries after it. The core validates all of this in `RaftNode.init`.
public struct RaftBootstrap: Hashable, Sendable {
    public var hardState: HardState
    public var snapshot: Snapshot
    public var entries: [Entry]
    public var applied: LogIndex

    public init(hardState: HardState, snapshot: Snapshot, entries: [Entry], applied: LogIndex? = nil) {
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
        self.applied = applied ?? snapshot.metadata.index
    }

    /// A node of a new group whose initial members are `configuration`. Every initial
    /// member must start from the same configuration.
    ///
    /// The membership is written into the log itself, as committed `.configChange`
    /// entries in term 1 (one per member, voters first), so that a node added later
    /// learns the full membership by replicating the log from index 1.
    public static func newGroup(_ configuration: RaftConfiguration) -> RaftBootstrap {
        let bootstrapTerm = Term(1)
        var entries: [Entry] = []
        let changes = configuration.voters.map { ConfigChange(.addVoter, node: $0) }
            + configuration.learners.map { ConfigChange(.addLearner, node: $0) }
        for change in changes {
            entries.append(Entry(term: bootstrapTerm, index: LogIndex(UInt64(entries.count + 1)),
                                 kind: .configChange, data: change.encoded()))
        }
        let commit = LogIndex(UInt64(entries.count))
        return RaftBootstrap(hardState: HardState(term: entries.isEmpty ? .zero : bootstrapTerm, vote: nil, commit: commit),
                             snapshot: Snapshot(metadata: SnapshotMetadata(index: .zero, term: .zero, configuration: .empty), data: []),
                             entries: entries, applied: .zero)
    }

    /// A node that will join an existing group: it knows no members and waits for the
    /// leader to send it a snapshot or the log (after a `ConfigChange` adds it).
    public static let joining = RaftBootstrap.newGroup(.empty)
}
