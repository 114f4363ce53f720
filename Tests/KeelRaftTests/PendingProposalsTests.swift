import KeelRaft
import Testing

/// The shells' bookkeeping from proposal to applied entry (used by the meta group and the
/// Raft baseline's shards).
@Suite struct PendingProposalsTests {
    @Test func anAppliedEntryOfTheSameTermCommitsAndAnotherTermReplaces() {
        var pending = PendingProposals<String>()
        pending.add(ProposalID(rawValue: 1), "a")
        pending.add(ProposalID(rawValue: 2), "b")
        var output = RaftOutput()
        output.acceptedProposals = [
            AcceptedProposal(id: ProposalID(rawValue: 1), index: LogIndex(rawValue: 7), term: Term(rawValue: 3)),
            AcceptedProposal(id: ProposalID(rawValue: 2), index: LogIndex(rawValue: 8), term: Term(rawValue: 3)),
        ]
        #expect(pending.absorb(output).isEmpty)
        guard case .committed("a") = pending.resolve(Entry(term: Term(rawValue: 3), index: LogIndex(rawValue: 7))) else {
            Issue.record("the entry of the proposal's own term commits it")
            return
        }
        guard case .replaced("b") = pending.resolve(Entry(term: Term(rawValue: 4), index: LogIndex(rawValue: 8))) else {
            Issue.record("a new leader's entry at the same index replaces it")
            return
        }
        #expect(pending.resolve(Entry(term: Term(rawValue: 4), index: LogIndex(rawValue: 9))) == nil)
        #expect(pending.isEmpty)
    }

    @Test func rejectedProposalsComeBackAndLostLeadershipAbandonsTheRest() {
        var pending = PendingProposals<String>()
        pending.add(ProposalID(rawValue: 1), "kept")
        pending.add(ProposalID(rawValue: 2), "refused")
        var output = RaftOutput()
        output.acceptedProposals = [AcceptedProposal(id: ProposalID(rawValue: 1), index: LogIndex(rawValue: 5), term: Term(rawValue: 2))]
        output.rejectedProposals = [RejectedProposal(id: ProposalID(rawValue: 2), reason: .uncommittedBytesExceeded)]
        let rejected = pending.absorb(output)
        #expect(rejected.map(\.waiter) == ["refused"])
        #expect(rejected.first?.reason == .uncommittedBytesExceeded)
        #expect(pending.abandonAll() == ["kept"])
        #expect(pending.isEmpty)
    }
}
