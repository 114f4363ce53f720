@_spi(Testing) @testable import KeelRaft
import Testing

/// Raft §5.3 log replication: batching, pipelining, flow control, max message size and
/// fast backtracking.
@Suite struct ReplicationTests {
    @Test func proposalIsCommittedAndAppliedEverywhere() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        let output = network.propose(1, [7, 7], id: 99)
        #expect(output.acceptedProposals.map(\.id) == [ProposalID(99)])
        for id in network.ids {
            #expect(network[id].appliedData == [[7, 7]])
            #expect(network[id].raft.commitIndex == output.acceptedProposals[0].index)
        }
    }

    @Test func aBatchOfProposalsTravelsInOneAppendPerFollower() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.step(1, .propose(proposals(100)))
        let appends = network.queue.filter { $0.appendRequest != nil }
        #expect(appends.count == 2)
        #expect(appends.allSatisfy { $0.appendRequest!.entries.count == 100 })
        network.stabilize()
        #expect(network[3].appliedData.count == 100)
    }

    @Test func appendsRespectMaxMessageBytes() {
        let entryBytes = 10 + Entry.headerBytes
        var network = TestNetwork(voters: 2) { $0.maxMessageBytes = 3 * entryBytes }
        network.elect(1)
        network.step(1, .propose(proposals(10, bytes: 10)))
        let appends = network.queue.compactMap(\.appendRequest)
        #expect(!appends.isEmpty)
        for append in appends {
            #expect(append.entries.reduce(0) { $0 + $1.sizeBytes } <= 3 * entryBytes)
        }
        network.stabilize()
        #expect(network[2].appliedData.count == 10)
    }

    @Test func anEntryLargerThanMaxMessageBytesStillGoesAlone() {
        var network = TestNetwork(voters: 2) { $0.maxMessageBytes = 8 }
        network.elect(1)
        network.step(1, .propose(proposals(2, bytes: 100)))
        let appends = network.queue.compactMap(\.appendRequest)
        #expect(appends.map(\.entries.count) == [1, 1])
        network.stabilize()
        #expect(network[2].appliedData.count == 2)
    }

    @Test func pipeliningIsBoundedByTheInflightWindow() {
        var network = TestNetwork(voters: 2) { $0.maxMessageBytes = 1; $0.maxInflightMessages = 3 }
        network.elect(1)
        #expect(network[1].raft.peerProgress.first { $0.id == 2 }?.state == .replicate)
        for proposal in proposals(10) { network.step(1, .propose([proposal])) }
        // Ten single-entry appends wanted, three allowed without acknowledgement.
        #expect(network.queue.filter { $0.appendRequest != nil }.count == 3)
        network.stabilize()
        #expect(network[2].appliedData.count == 10)
        #expect(network[1].raft.peerProgress.first { $0.id == 2 }?.match == network[1].raft.lastLogIndex)
    }

    @Test func afterElectionFollowersStartInProbeAndMoveToReplicate() {
        var network = TestNetwork(voters: 3)
        network.step(1, .campaign)
        while let message = network.queue.first, !(message.appendRequest != nil) {
            network.queue.removeFirst()
            network.step(message.to, .message(message))
        }
        #expect(network[1].raft.peerProgress.filter { $0.id != 1 }.allSatisfy { $0.state == .probe })
        network.stabilize()
        #expect(network[1].raft.peerProgress.allSatisfy { $0.state == .replicate })
    }

    @Test func fastBacktrackingSkipsAWholeTermPerRoundTrip() {
        var network = TestNetwork(voters: 3) { $0.preVote = false; $0.checkQuorum = false }
        network.elect(1)
        // Leader 1 is cut off and appends 50 entries nobody else gets (term 2).
        network.isolate(1)
        network.step(1, .propose(proposals(50)))
        network.stabilize()
        // Node 2 leads term 3 with node 3 and commits 10 entries.
        network.heal()
        network.cut(1, 2)
        network.cut(1, 3)
        network.elect(2)
        #expect(network.leaders.contains(2))
        network.step(2, .propose(proposals(10, firstID: 100)))
        network.stabilize()
        // Reconnect node 1: count the rejections it sends while being repaired.
        network.heal()
        network.delivered.removeAll()
        network.tickAll(3)
        let rejections = network.delivered.filter { $0.from == 1 && ($0.appendResponse?.isRejected ?? false) }
        #expect(rejections.count <= 2, "one rejection per divergent term, not one per entry")
        #expect(network[1].raft.lastLogIndex == network[2].raft.lastLogIndex)
        #expect(network[1].appliedData == network[2].appliedData)
    }

    @Test func aShortFollowerLogIsRepairedInOneRejection() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.crash(3)
        for batch in 0..<5 { network.step(1, .propose(proposals(20, firstID: UInt64(batch * 20)))) ; network.stabilize() }
        network.restart(3)
        network.delivered.removeAll()
        network.tickAll(2)
        let rejections = network.delivered.filter { $0.from == 3 && ($0.appendResponse?.isRejected ?? false) }
        #expect(rejections.count <= 1)
        #expect(network[3].appliedData.count == 100)
    }

    @Test func followerTruncatesConflictingUncommittedEntries() {
        var network = TestNetwork(voters: 3) { $0.preVote = false; $0.checkQuorum = false }
        network.elect(1)
        network.isolate(1)
        network.step(1, .propose([Proposal(id: ProposalID(1), data: [1])]))
        let stale = network[1].raft.lastLogIndex
        network.heal()
        network.cut(1, 2)
        network.cut(1, 3)
        network.elect(2)
        network.propose(2, [2])
        network.heal()
        network.tickAll(2)
        #expect(network[1].raft.entry(at: stale)?.term == network[2].raft.entry(at: stale)?.term)
        #expect(network[1].appliedData == [[2]])
    }

    @Test func heartbeatsCarryTheCommitIndex() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        // Drop the empty appends that would tell followers about the new commit index.
        network.filter = { message in
            guard let append = message.appendRequest else { return true }
            return !append.entries.isEmpty
        }
        network.propose(1, [5])
        #expect(network[1].raft.commitIndex > network[2].raft.commitIndex)
        network.filter = nil
        network.tick(1, times: 1)
        network.stabilize()
        #expect(network[2].raft.commitIndex == network[1].raft.commitIndex)
        #expect(network[2].appliedData == [[5]])
    }

    @Test func lostAppendsAreRecoveredByHeartbeats() {
        var network = TestNetwork(voters: 3) { $0.maxMessageBytes = 1; $0.maxInflightMessages = 4 }
        network.elect(1)
        network.filter = { $0.appendRequest == nil || $0.to != 3 }
        for proposal in proposals(12) { network.step(1, .propose([proposal])); network.stabilize() }
        #expect(network[3].appliedData.isEmpty)
        network.filter = nil
        network.tickAll(30)
        #expect(network[3].appliedData.count == 12)
        #expect(network.allAppliedTheSame)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func duplicatedAndReorderedMessagesConverge(seed: UInt64) {
        var network = TestNetwork(voters: 3) { $0.maxMessageBytes = 50; $0.maxInflightMessages = 4 }
        network.elect(1)
        var random = SplitMix64(seed: seed)
        for round in 0..<30 {
            network.step(1, .propose(proposals(1 + random.next(below: 3), firstID: UInt64(round * 10))))
            // Shuffle the queue and duplicate a few messages before delivering one hop.
            var batch = network.queue
            for _ in 0..<random.next(below: 3) where !batch.isEmpty {
                batch.append(batch[random.next(below: batch.count)])
            }
            for i in stride(from: batch.count - 1, to: 0, by: -1) {
                batch.swapAt(i, random.next(below: i + 1))
            }
            network.queue = batch
            network.deliverQueued()
            if round % 5 == 0 { network.tickAll(1) }
        }
        network.tickAll(20)
        #expect(network.allAppliedTheSame)
        #expect(network[1].appliedData.count >= 30)
        #expect(network.safetyViolations.isEmpty)
    }

    @Test func peerUnreachableFallsBackToProbing() {
        var network = TestNetwork(voters: 2)
        network.elect(1)
        #expect(network[1].raft.peerProgress.first { $0.id == 2 }?.state == .replicate)
        network.step(1, .peerUnreachable(2))
        #expect(network[1].raft.peerProgress.first { $0.id == 2 }?.state == .probe)
        network.propose(1, [1])
        #expect(network[2].appliedData == [[1]])
    }
}
