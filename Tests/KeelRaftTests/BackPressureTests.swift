@_spi(Testing) @testable import KeelRaft
import Testing

/// Proposal back-pressure and reporting: every proposal is accepted or rejected with a
/// reason, never dropped.
@Suite struct BackPressureTests {
    @Test func proposalsBeyondTheUncommittedBoundAreRejected() {
        var network = TestNetwork(voters: 3) { $0.maxUncommittedEntriesBytes = 100 }
        network.elect(1)
        network.isolate(1)  // nothing commits
        let first = network.step(1, .propose(proposals(5, bytes: 20)))
        #expect(first.acceptedProposals.count == 5)
        let second = network.step(1, .propose(proposals(2, firstID: 10, bytes: 20)))
        #expect(second.acceptedProposals.isEmpty)
        #expect(second.rejectedProposals.map(\.reason) == [.uncommittedBytesExceeded, .uncommittedBytesExceeded])
        #expect(second.rejectedProposals.first?.reason.code == "uncommitted_bytes_exceeded")
        // Once the entries commit, the budget is back.
        network.heal()
        network.tickAll(2)
        let third = network.step(1, .propose(proposals(2, firstID: 20, bytes: 20)))
        #expect(third.acceptedProposals.count == 2)
    }

    @Test func aBatchMayBePartlyAcceptedAndEveryProposalIsReported() {
        var network = TestNetwork(voters: 3) { $0.maxUncommittedEntriesBytes = 50 }
        network.elect(1)
        network.isolate(1)
        let output = network.step(1, .propose(proposals(4, bytes: 20)))
        #expect(output.acceptedProposals.count == 2)
        #expect(output.rejectedProposals.count == 2)
        let reported = Set(output.acceptedProposals.map(\.id) + output.rejectedProposals.map(\.id))
        #expect(reported == Set(proposals(4).map(\.id)))
    }

    @Test func oneLargeProposalIsAdmittedWhenNothingIsUncommitted() {
        var network = TestNetwork(voters: 3) { $0.maxUncommittedEntriesBytes = 10 }
        network.elect(1)
        let output = network.propose(1, Array(repeating: 1, count: 1000))
        #expect(output.acceptedProposals.count == 1)
        #expect(network[2].appliedData.count == 1)
    }

    @Test func followersRejectProposalsNamingTheLeader() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        let output = network.step(2, .propose(proposals(2)))
        #expect(output.rejectedProposals.map(\.reason) == [.notLeader(leader: 1), .notLeader(leader: 1)])
        #expect(output.messages.isEmpty, "not forwarded")
    }

    @Test func candidatesRejectProposalsWithoutALeader() {
        var network = TestNetwork(voters: 3)
        network.step(2, .campaign)
        let output = network.step(2, .propose(proposals(1)))
        #expect(output.rejectedProposals.map(\.reason) == [.notLeader(leader: nil)])
    }

    @Test func acceptedProposalsReportIndexAndTerm() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        let output = network.step(1, .propose(proposals(3)))
        let last = network[1].raft.lastLogIndex
        #expect(output.acceptedProposals.map(\.index) == [LogIndex(last.rawValue - 2), LogIndex(last.rawValue - 1), last])
        #expect(output.acceptedProposals.allSatisfy { $0.term == network[1].raft.currentTerm })
    }

    @Test func aNewLeaderStartsWithAFullBudget() {
        var network = TestNetwork(voters: 3) { $0.maxUncommittedEntriesBytes = 30 }
        network.elect(1)
        network.isolate(1)
        network.step(1, .propose(proposals(1, bytes: 30)))
        // Nodes 2 and 3 stop hearing from node 1; once their leases ran out, 2 wins.
        network.tick(2, times: 10)
        network.tick(3, times: 10)
        network.elect(2)
        #expect(network.leaders.contains(2))
        let output = network.step(2, .propose(proposals(1, bytes: 30)))
        #expect(output.acceptedProposals.count == 1)
    }
}
