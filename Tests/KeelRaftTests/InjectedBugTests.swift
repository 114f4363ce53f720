@_spi(Testing) @testable import KeelRaft
import Testing

#if DEBUG
/// Each injected bug does what it says (so that the simulator has something real to
/// catch), and none is on by default.
@Suite struct InjectedBugTests {
    @Test func noBugIsOnByDefault() {
        #expect(RaftConfig(id: 1).injectedBugs.isEmpty)
    }

    static func staleVoteRequest(term: Term) -> RaftMessage {
        RaftMessage(from: 3, to: 2, term: term,
                    payload: .voteRequest(VoteRequest(isPreVote: false, lastLogIndex: .zero, lastLogTerm: .zero, isTransfer: false)))
    }

    @Test(arguments: [false, true])
    func voteWithoutLogCheckGrantsAStaleCandidate(buggy: Bool) {
        var network = TestNetwork(voters: 3) { config in
            config.checkQuorum = false
            if buggy { config.injectedBugs = [.voteWithoutLogCheck] }
        }
        let output = network.step(2, .message(Self.staleVoteRequest(term: Term(5))))
        #expect(output.messages.map(\.payload) == [.voteResponse(VoteResponse(isPreVote: false, granted: buggy))])
    }

    @Test(arguments: [false, true])
    func readIndexWithoutHeartbeatAnswersAPartitionedLeader(buggy: Bool) {
        var network = TestNetwork(voters: 3) { config in
            if buggy { config.injectedBugs = [.readIndexWithoutHeartbeat] }
        }
        network.elect(1)
        network.isolate(1)
        let output = network.step(1, .read(ReadRequestID(1), .readIndex))
        #expect(output.readStates.count == (buggy ? 1 : 0))
    }

    @Test(arguments: [false, true])
    func leaseReadWithoutCheckQuorumAnswersWithoutContact(buggy: Bool) {
        var network = TestNetwork(voters: 3) { config in
            config.checkQuorum = false
            if buggy { config.injectedBugs = [.leaseReadWithoutCheckQuorum] }
        }
        network.elect(1)
        network.isolate(1)
        network.tick(1, times: 50)
        let output = network.step(1, .read(ReadRequestID(1), .lease))
        #expect(output.readStates.map(\.mode) == (buggy ? [.lease] : []))
    }

    @Test(arguments: [false, true])
    func voteNotSyncedSkipsTheFsync(buggy: Bool) {
        var network = TestNetwork(voters: 3) { config in
            config.checkQuorum = false
            if buggy { config.injectedBugs = [.voteNotSynced] }
        }
        let output = network.step(2, .message(RaftMessage(from: 3, to: 2, term: Term(5),
            payload: .voteRequest(VoteRequest(isPreVote: false, lastLogIndex: LogIndex(9), lastLogTerm: Term(4), isTransfer: false)))))
        #expect(output.hardState?.vote == 3)
        #expect(output.mustSync == !buggy)
    }

    @Test func voteNotSyncedLetsACrashedNodeVoteTwice() {
        var network = TestNetwork(voters: 3) { config in
            config.checkQuorum = false
            config.injectedBugs = [.voteNotSynced]
        }
        let request = { (from: RaftNodeID) in
            RaftMessage(from: from, to: 2, term: Term(5),
                        payload: .voteRequest(VoteRequest(isPreVote: false, lastLogIndex: LogIndex(9), lastLogTerm: Term(4), isTransfer: false)))
        }
        network.step(2, .message(request(3)))
        network.crash(2)
        network.restart(2)
        let second = network.step(2, .message(request(1)))
        #expect(second.messages.map(\.payload) == [.voteResponse(VoteResponse(isPreVote: false, granted: true))])
    }
}
#endif
