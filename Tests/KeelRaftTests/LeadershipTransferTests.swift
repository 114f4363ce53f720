@_spi(Testing) @testable import KeelRaft
import Testing

/// Leadership transfer (thesis §3.10): TimeoutNow to a caught-up voter.
@Suite struct LeadershipTransferTests {
    @Test func transferToACaughtUpFollower() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        let term = network[1].raft.currentTerm
        let output = network.step(1, .transferLeadership(to: 2))
        #expect(output.messages.map(\.payload) == [.timeoutNow])
        network.stabilize()
        #expect(network.leaders == [2])
        #expect(network[2].raft.currentTerm == term.next)
    }

    @Test func laggingTargetIsCaughtUpFirst() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.isolate(3)
        network.step(1, .propose(proposals(5)))
        network.stabilize()
        let output = network.step(1, .transferLeadership(to: 3))
        #expect(!output.messages.contains { $0.isTimeoutNow })
        network.heal()
        network.tickAll(1)
        #expect(network.leaders == [3])
        #expect(network[3].appliedData.count == 5)
    }

    @Test func proposalsAreRejectedDuringATransfer() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.isolate(2)
        network.step(1, .transferLeadership(to: 2))
        let output = network.step(1, .propose(proposals(1)))
        #expect(output.rejectedProposals.map(\.reason) == [.leadershipTransferInProgress])
    }

    @Test func transferIsAbandonedAfterAnElectionTimeout() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.cut(1, 2)
        network.step(1, .transferLeadership(to: 2))
        network.stabilize()
        network.tick(1, times: 10)
        network.stabilize()
        #expect(network[1].raft.currentRole == .leader)
        let output = network.step(1, .propose(proposals(1)))
        #expect(output.acceptedProposals.count == 1)
    }

    @Test func onlyVotersCanBeTargets() {
        var network = TestNetwork(voters: 2, learners: 1)
        network.elect(1)
        let toLearner = network.step(1, .transferLeadership(to: 3))
        #expect(toLearner.errors.map(\.code) == [.invalidTransferTarget])
        let toStranger = network.step(1, .transferLeadership(to: 9))
        #expect(toStranger.errors.map(\.code) == [.invalidTransferTarget])
        let toSelf = network.step(1, .transferLeadership(to: 1))
        #expect(toSelf.isEmpty)
        network.stabilize()
        #expect(network.leaders == [1])
    }

    @Test func followerForwardsTheRequestToTheLeader() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.step(3, .transferLeadership(to: 2))
        network.stabilize()
        #expect(network.leaders == [2])
    }

    @Test func timeoutNowBypassesFollowerLeases() {
        // With CheckQuorum, followers that just heard the leader ignore campaigns; a
        // transfer's campaign is flagged so that they vote anyway.
        var network = TestNetwork(voters: 5)
        network.elect(1)
        network.tickAll(1)
        network.step(1, .transferLeadership(to: 4))
        network.stabilize()
        #expect(network.leaders == [4])
    }

    @Test func learnerIgnoresTimeoutNow() {
        var network = TestNetwork(voters: 2, learners: 1)
        network.elect(1)
        let output = network.step(3, .message(RaftMessage(from: 1, to: 3, term: network[1].raft.currentTerm, payload: .timeoutNow)))
        #expect(output.messages.isEmpty)
        #expect(network[3].raft.currentRole == .follower)
    }
}
