@_spi(Testing) @testable import KeelRaft
import Testing

/// Raft §5.2 leader election, with PreVote and CheckQuorum (thesis §9.6, §6.2).
@Suite struct ElectionTests {
    @Test func campaignOnHealthyNetworkElectsOneLeader() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        #expect(network.leaders == [1])
        for id in network.ids {
            #expect(network[id].raft.currentLeader == 1)
            #expect(network[id].raft.currentTerm == Term(2))
        }
    }

    @Test func electionTimeoutElectsExactlyOneLeaderWithoutHelp() {
        var network = TestNetwork(voters: 5)
        network.tickAll(25)
        #expect(network.leaders.count == 1)
        let leader = network.leaders[0]
        for id in network.ids { #expect(network[id].raft.currentLeader == leader) }
    }

    @Test(arguments: [UInt64(1), 2, 3, 99, 12345])
    func randomizedTimeoutStaysInElectionRange(seed: UInt64) throws {
        var node = try RaftNode(config: RaftConfig(id: 1, electionTicks: 10, seed: seed),
                                bootstrap: .newGroup(RaftConfiguration(voters: [1, 2, 3])))
        var seen = Set<Int>()
        for _ in 0..<200 {
            node.resetElectionTimer()
            #expect((10..<20).contains(node.randomizedElectionTimeout))
            seen.insert(node.randomizedElectionTimeout)
        }
        #expect(seen.count > 5, "timeouts should spread over the range")
    }

    @Test func nodesWithSameSeedDrawDifferentTimeouts() throws {
        let membership = RaftConfiguration(voters: [1, 2, 3])
        var timeouts = Set<[Int]>()
        for id: RaftNodeID in [1, 2, 3] {
            var node = try RaftNode(config: RaftConfig(id: id, seed: 5), bootstrap: .newGroup(membership))
            timeouts.insert((0..<8).map { _ in node.resetElectionTimer(); return node.randomizedElectionTimeout })
        }
        #expect(timeouts.count == 3)
    }

    @Test func followerDoesNotCampaignBeforeElectionTicks() {
        var network = TestNetwork(voters: 3)
        network.tick(1, times: 9)
        #expect(network[1].raft.currentRole == .follower)
        #expect(network.queue.isEmpty)
    }

    @Test func preVoteKeepsIsolatedNodeFromRaisingTheTerm() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.isolate(3)
        let termBefore = network[3].raft.currentTerm
        for _ in 0..<100 { network.step(3, .tick); network.stabilize() }
        #expect(network[3].raft.currentTerm == termBefore)
        #expect(network[3].raft.currentRole == .preCandidate)
        // One pre-election per randomized timeout (10 to 19 ticks), not one per tick.
        var isolated = network[3].raft!
        var requests = 0
        for _ in 0..<100 { requests += isolated.step(.tick).messages.count }
        #expect(requests >= 2 * 5 && requests <= 2 * 10)
        network.heal()
        network.tickAll(3)
        #expect(network.leaders == [1], "the rejoining node must not disrupt the leader")
        #expect(network[1].raft.currentTerm == termBefore)
    }

    @Test func withoutPreVoteIsolatedNodeDisruptsTheLeaderOnReturn() {
        var network = TestNetwork(voters: 3) { $0.preVote = false; $0.checkQuorum = false }
        network.elect(1)
        network.isolate(3)
        for _ in 0..<100 { network.step(3, .tick); network.stabilize() }
        #expect(network[3].raft.currentTerm > Term(2))
        network.heal()
        network.tickAll(1)
        #expect(network[1].raft.currentRole != .leader || network[1].raft.currentTerm > Term(2),
                "the higher term must depose the old leader")
        network.tickAll(40)
        #expect(network.leaders.count == 1)
    }

    @Test func checkQuorumMakesIsolatedLeaderStepDown() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.isolate(1)
        // Checked every electionTicks; the first check still counts the contact of the
        // previous interval, so the leader steps down within two election timeouts.
        network.tick(1, times: 20)
        #expect(network[1].raft.currentRole == .follower)
        #expect(network[1].raft.currentLeader == nil)
    }

    @Test func withoutCheckQuorumIsolatedLeaderStaysLeader() {
        var network = TestNetwork(voters: 3) { $0.checkQuorum = false }
        network.elect(1)
        network.isolate(1)
        network.tick(1, times: 50)
        #expect(network[1].raft.currentRole == .leader)
    }

    @Test func followersInLeaseIgnoreVoteRequests() {
        var network = TestNetwork(voters: 3) { $0.preVote = false }
        network.elect(1)
        // Node 3 campaigns although the leader is alive (e.g. its timer fired early).
        network.step(3, .campaign)
        let requests = network.queue.filter { if case .voteRequest = $0.payload { true } else { false } }
        #expect(requests.count == 2)
        network.stabilize()
        #expect(network[1].raft.currentRole == .leader)
        #expect(network[2].raft.currentTerm == Term(2), "node 2 ignored the higher-term request")
    }

    @Test func candidateWithStaleLogIsRefused() {
        var network = TestNetwork(voters: 3) { $0.preVote = false; $0.checkQuorum = false }
        network.elect(1)
        network.isolate(3)
        network.propose(1, [1])
        network.propose(1, [2])
        network.heal()
        network.isolate(1)
        network.step(3, .campaign)
        network.stabilize()
        #expect(network[3].raft.currentRole != .leader)
        network.step(2, .campaign)
        network.stabilize()
        #expect(network[2].raft.currentRole == .leader)
    }

    @Test func aNodeVotesOncePerTerm() {
        var network = TestNetwork(voters: 3) { $0.preVote = false }
        // Nodes 1 and 2 campaign in the same term; node 3 hears node 1 first.
        network.step(1, .campaign)
        network.step(2, .campaign)
        #expect(network[1].raft.currentTerm == network[2].raft.currentTerm)
        network.stabilize()
        #expect(network.leaders == [1])
        #expect(network[3].raft.hardState.vote == 1)
    }

    @Test func splitVoteElectsNobodyThenALaterTermResolves() {
        var network = TestNetwork(voters: 4) { $0.preVote = false; $0.checkQuorum = false }
        network.cut(1, 4)
        network.cut(2, 3)
        network.cut(1, 2)
        network.step(1, .campaign)
        network.step(2, .campaign)
        network.stabilize()
        #expect(network.leaders.isEmpty, "2 votes each of 4: no quorum")
        let splitTerm = network[1].raft.currentTerm
        network.heal()
        network.tickAll(60)
        #expect(network.leaders.count == 1)
        #expect(network[network.leaders[0]].raft.currentTerm > splitTerm)
    }

    @Test func learnersNeverCampaign() {
        var network = TestNetwork(voters: 1, learners: 1)
        network.isolate(2)
        network.tick(2, times: 100)
        #expect(network[2].raft.currentRole == .follower)
        network.step(2, .campaign)
        #expect(network[2].raft.currentRole == .follower)
    }

    @Test func singleVoterElectsItselfImmediately() {
        var network = TestNetwork(voters: 1)
        network.elect(1)
        #expect(network.leaders == [1])
        #expect(network[1].raft.commitIndex == network[1].raft.lastLogIndex)
    }

    @Test func restartedNodeRemembersItsVote() {
        var network = TestNetwork(voters: 3) { $0.preVote = false; $0.checkQuorum = false }
        network.cut(2, 3)
        network.step(2, .campaign)
        network.stabilize()
        #expect(network[1].raft.hardState.vote == 2)
        network.crash(1)
        network.restart(1)
        #expect(network[1].raft.hardState.vote == 2)
        // Node 3 campaigns in the same term node 2 won: node 1 must refuse.
        let term = network[2].raft.currentTerm
        network.heal()
        let request = RaftMessage(from: 3, to: 1, term: term,
                                  payload: .voteRequest(VoteRequest(isPreVote: false, lastLogIndex: LogIndex(100),
                                                                    lastLogTerm: term, isTransfer: false)))
        let output = network.step(1, .message(request))
        #expect(output.messages.contains { $0.payload == .voteResponse(VoteResponse(isPreVote: false, granted: false)) })
    }

    @Test func voteChangeRequiresSyncBeforeSending() {
        var network = TestNetwork(voters: 3) { $0.preVote = false }
        let campaign = network.step(1, .campaign)
        #expect(campaign.mustSync)
        #expect(campaign.hardState?.vote == 1)
        let request = network.queue.removeFirst()
        let vote = network.step(request.to, .message(request))
        #expect(vote.mustSync)
        #expect(vote.hardState?.vote == 1)
    }

    @Test func restartedFollowerHonoursTheLeaseItMayHaveGiven() {
        var network = TestNetwork(voters: 3) { $0.preVote = false }
        network.elect(1)
        network.crash(2)
        network.restart(2)
        // Right after restart, node 2 ignores a campaign (it may have acknowledged the
        // leader just before the crash)...
        network.isolate(1)
        network.step(3, .campaign)
        network.stabilize()
        #expect(network[3].raft.currentRole == .candidate)
        #expect(network[2].raft.hardState.vote != 3)
        // ...and votes once an election timeout has passed.
        network.tick(2, times: 10)
        network.step(3, .campaign)
        network.stabilize()
        #expect(network[3].raft.currentRole == .leader)
    }
}
