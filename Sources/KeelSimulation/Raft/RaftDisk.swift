import KeelRaft

/// What a simulated Raft node has on disk: hard state, latest snapshot, log after it.
public struct RaftDurableState: Sendable {
    public var hardState: HardState
    public var snapshot: Snapshot
    /// Entries after the snapshot, contiguous from `snapshot.metadata.index + 1`.
    public var entries: [Entry]

    public init(_ bootstrap: RaftBootstrap) {
        hardState = bootstrap.hardState
        snapshot = bootstrap.snapshot
        entries = bootstrap.entries
    }

    /// What a restarting node starts from: everything on disk, state machine at the snapshot.
    public var bootstrap: RaftBootstrap {
        RaftBootstrap(hardState: hardState, snapshot: snapshot, entries: entries, applied: snapshot.metadata.index)
    }

    /// The term of the entry at `index` on disk (the snapshot's own index included).
    public func term(at index: LogIndex) -> Term? {
        let base = snapshot.metadata.index
        if index == base { return snapshot.metadata.term }
        guard index > base else { return nil }
        let offset = index.distance(from: base) - 1
        return offset < entries.count ? entries[offset].term : nil
    }
}

/// One write a Raft shell makes, in the order `RaftOutput` prescribes.
public enum RaftDiskWrite: SimDiskWrite {
    /// A snapshot replaces the older one; a snapshot from the leader (`discardWholeLog`)
    /// replaces the whole log, a compaction only the prefix it covers.
    case snapshot(Snapshot, discardWholeLog: Bool)
    /// Cuts the log at the first entry's index, then appends.
    case entries([Entry])
    case hardState(HardState)
    /// One output's entries and hard state as one checksummed record: it lands whole or
    /// not at all (a tear keeps a prefix of the entries only when no hard state rides
    /// along, so a term change never lands half).
    case record(entries: [Entry], hardState: HardState?)

    public func apply(to state: inout RaftDurableState) {
        switch self {
        case .record(let entries, let hardState):
            RaftDiskWrite.entries(entries).apply(to: &state)
            if let hardState { RaftDiskWrite.hardState(hardState).apply(to: &state) }
        case .snapshot(let snapshot, let discardWholeLog):
            state.snapshot = snapshot
            state.entries = discardWholeLog ? [] : state.entries.filter { $0.index > snapshot.metadata.index }
        case .entries(let entries):
            guard let first = entries.first else { return }
            let keep = max(0, min(state.entries.count, first.index.distance(from: state.snapshot.metadata.index) - 1))
            state.entries.removeSubrange(keep...)
            state.entries.append(contentsOf: entries)
        case .hardState(let hardState):
            state.hardState = hardState
        }
    }

    /// An append of several entries tears after one of them; other writes are atomic
    /// (a sector-sized record with a checksum either lands or does not).
    public func torn(random: inout SimRandom) -> RaftDiskWrite? {
        switch self {
        case .entries(let entries), .record(let entries, nil):
            guard entries.count > 1 else { return nil }
            return .entries(Array(entries.prefix(random.int(in: 1...(entries.count - 1)))))
        default:
            return nil
        }
    }
}
