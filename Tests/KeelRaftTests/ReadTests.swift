@_spi(Testing) @testable import KeelRaft
import Testing

/// Linearizable reads without log writes (thesis §6.4): ReadIndex with a heartbeat round,
/// follower reads forwarded to the leader, and lease reads under CheckQuorum.
@Suite struct ReadTests {
    static func readIDs(_ states: [ReadState]) -> [ReadRequestID] { states.map(\.id) }

    @Test func readIndexNeedsAHeartbeatRoundAndNoLogWrite() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.propose(1, [1])
        let lastIndex = network[1].raft.lastLogIndex
        let output = network.step(1, .read(ReadRequestID(1), .readIndex))
        #expect(output.readStates.isEmpty, "not before a quorum confirmed leadership")
        #expect(output.entriesToPersist.isEmpty)
        #expect(output.messages.filter(\.isHeartbeat).count == 2)
        network.stabilize()
        #expect(network[1].readStates == [ReadState(id: ReadRequestID(1), index: network[1].raft.commitIndex, mode: .readIndex)])
        #expect(network[1].raft.lastLogIndex == lastIndex)
    }

    @Test func oneAcknowledgementIsEnoughInThreeNodes() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.isolate(3)
        network.step(1, .read(ReadRequestID(1), .readIndex))
        network.stabilize()
        #expect(Self.readIDs(network[1].readStates) == [ReadRequestID(1)])
    }

    @Test func partitionedLeaderNeverConfirmsAndFailsTheReadWhenItStepsDown() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.isolate(1)
        network.step(1, .read(ReadRequestID(1), .readIndex))
        network.stabilize()
        #expect(network[1].readStates.isEmpty)
        network.tick(1, times: 20)
        #expect(network[1].raft.currentRole == .follower)
        #expect(network[1].rejectedReads == [RejectedRead(id: ReadRequestID(1), reason: .leadershipLost)])
    }

    @Test func readsWaitForTheLeadersFirstCommitInItsTerm() {
        var network = TestNetwork(voters: 3)
        network.step(1, .campaign)
        network.filter = { $0.appendResponse == nil }
        network.stabilize()
        #expect(network[1].raft.currentRole == .leader)
        #expect(!network[1].raft.hasCommittedInCurrentTerm)
        network.step(1, .read(ReadRequestID(1), .readIndex))
        network.stabilize()
        #expect(network[1].readStates.isEmpty)
        network.filter = nil
        network.tickAll(1)
        #expect(Self.readIDs(network[1].readStates) == [ReadRequestID(1)])
        #expect(network[1].readStates[0].index == network[1].raft.commitIndex)
    }

    @Test func readsArrivingDuringARoundShareTheNextOne() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.delivered.removeAll()
        network.step(1, .read(ReadRequestID(1), .readIndex))
        let second = network.step(1, .read(ReadRequestID(2), .readIndex))
        let third = network.step(1, .read(ReadRequestID(3), .readIndex))
        #expect(second.messages.isEmpty && third.messages.isEmpty, "one round in flight at a time")
        network.stabilize()
        #expect(Set(Self.readIDs(network[1].readStates)) == [ReadRequestID(1), ReadRequestID(2), ReadRequestID(3)])
        let heartbeats = network.delivered.filter(\.isHeartbeat).count
        #expect(heartbeats == 4, "two rounds of two heartbeats for three reads")
    }

    @Test func followerReadIsForwardedToTheLeader() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.propose(1, [1])
        let output = network.step(2, .read(ReadRequestID(7), .readIndex))
        #expect(output.messages.map(\.to) == [1])
        network.stabilize()
        #expect(network[2].readStates == [ReadState(id: ReadRequestID(7), index: network[1].raft.commitIndex, mode: .readIndex)])
    }

    @Test func followerWithoutLeaderRejectsReads() {
        var network = TestNetwork(voters: 3)
        let output = network.step(2, .read(ReadRequestID(7), .readIndex))
        #expect(output.rejectedReads == [RejectedRead(id: ReadRequestID(7), reason: .noLeader)])
    }

    @Test func singleVoterAnswersAtOnce() {
        var network = TestNetwork(voters: 1)
        network.elect(1)
        let output = network.step(1, .read(ReadRequestID(1), .readIndex))
        #expect(Self.readIDs(output.readStates) == [ReadRequestID(1)])
    }

    @Test func tooManyPendingReadsAreRejected() {
        var network = TestNetwork(voters: 3) { $0.maxPendingReads = 2 }
        network.elect(1)
        network.isolate(1)
        network.step(1, .read(ReadRequestID(1), .readIndex))
        network.step(1, .read(ReadRequestID(2), .readIndex))
        let third = network.step(1, .read(ReadRequestID(3), .readIndex))
        #expect(third.rejectedReads == [RejectedRead(id: ReadRequestID(3), reason: .tooManyPendingReads)])
    }

    @Test func leaseReadIsAnsweredWithoutARoundTrip() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.tickAll(1)  // a heartbeat round establishes the lease
        let output = network.step(1, .read(ReadRequestID(1), .lease))
        #expect(output.readStates == [ReadState(id: ReadRequestID(1), index: network[1].raft.commitIndex, mode: .lease)])
        #expect(output.messages.isEmpty)
    }

    /// electionTicks 10, margin 2: the lease lasts 8 of the leader's ticks after the send
    /// of the heartbeat a quorum acknowledged; then reads fall back to a ReadIndex round.
    @Test(arguments: [(6, true), (7, true), (8, false), (9, false)])
    func leaseLastsElectionTicksMinusTheMargin(ticksAfterContact: Int, valid: Bool) {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.tickAll(1)
        network.isolate(1)
        network.tick(1, times: ticksAfterContact)
        #expect(network[1].raft.currentRole == .leader)
        let output = network.step(1, .read(ReadRequestID(1), .lease))
        #expect(output.readStates.map(\.mode) == (valid ? [.lease] : []))
        #expect(output.messages.contains { $0.isHeartbeat } == !valid, "an expired lease falls back to ReadIndex")
    }

    @Test func leaseReadsNeedCheckQuorum() {
        var network = TestNetwork(voters: 3) { $0.checkQuorum = false }
        network.elect(1)
        network.tickAll(1)
        let output = network.step(1, .read(ReadRequestID(1), .lease))
        #expect(output.readStates.isEmpty)
        network.stabilize()
        #expect(network[1].readStates.map(\.mode) == [.readIndex])
    }

    @Test func leaderGivesUpItsLeaseWhenItStartsATransfer() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.tickAll(1)
        network.step(1, .transferLeadership(to: 2))
        let output = network.step(1, .read(ReadRequestID(1), .lease))
        #expect(output.readStates.isEmpty)
    }

    @Test func forwardedLeaseReadReportsItsMode() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.tickAll(1)
        network.step(3, .read(ReadRequestID(4), .lease))
        network.stabilize()
        #expect(network[3].readStates.map(\.mode) == [.lease])
    }
}
