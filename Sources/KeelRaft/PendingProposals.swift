/// The callers waiting for a leader's proposals, from `propose` until their entries apply.
///
/// A proposal is committed when the entry at the index it was accepted at is applied
/// *with the term it was accepted in*; a different term there means a new leader replaced
/// it (it will never apply). A leader that loses leadership cannot tell whether what it
/// accepted will still commit under the next one: `abandonAll` hands those callers back
/// so they hear "maybe applied".
public struct PendingProposals<Waiter> {
    private var waiting: [ProposalID: Waiter] = [:]
    private var appended: [LogIndex: (term: Term, waiter: Waiter)] = [:]

    /// What became of an applied entry's proposal.
    public enum Resolution {
        case committed(Waiter)
        case replaced(Waiter)
    }

    public init() {}

    public var isEmpty: Bool { waiting.isEmpty && appended.isEmpty }

    /// `waiter` waits for proposal `id`, about to be stepped into the core.
    public mutating func add(_ id: ProposalID, _ waiter: Waiter) { waiting[id] = waiter }

    /// Takes in an output's accepted and rejected proposals; returns the rejected callers.
    public mutating func absorb(_ output: RaftOutput) -> [(waiter: Waiter, reason: ProposalRejection)] {
        for accepted in output.acceptedProposals {
            guard let waiter = waiting.removeValue(forKey: accepted.id) else { continue }
            appended[accepted.index] = (accepted.term, waiter)
        }
        return output.rejectedProposals.compactMap { rejected in
            waiting.removeValue(forKey: rejected.id).map { ($0, rejected.reason) }
        }
    }

    /// The caller of the proposal at `entry`'s index, if one waits here.
    public mutating func resolve(_ entry: Entry) -> Resolution? {
        guard let pending = appended.removeValue(forKey: entry.index) else { return nil }
        return pending.term == entry.term ? .committed(pending.waiter) : .replaced(pending.waiter)
    }

    /// Leadership was lost: every appended proposal's fate is unknown here.
    public mutating func abandonAll() -> [Waiter] {
        defer { appended.removeAll() }
        return appended.keys.sorted().compactMap { appended[$0]?.waiter }
    }
}

extension PendingProposals: Sendable where Waiter: Sendable {}
