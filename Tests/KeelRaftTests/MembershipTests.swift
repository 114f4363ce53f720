@_spi(Testing) @testable import KeelRaft
import Testing

/// Membership changes (thesis §4): one server at a time, learners, promotion, removal of
/// followers and of the leader.
@Suite struct MembershipTests {
    /// Proposes `change` on node 1 and delivers everything; returns the output.
    @discardableResult
    static func change(_ network: inout TestNetwork, _ change: ConfigChange, on leader: RaftNodeID = 1,
                       id: UInt64 = 500) -> RaftOutput {
        let output = network.step(leader, .proposeConfigChange(ProposalID(id), change))
        network.stabilize()
        return output
    }

    @Test func newGroupMembershipIsInTheLog() {
        let network = TestNetwork(voters: 3, learners: 1)
        let node = network[1].raft!
        #expect(node.currentConfiguration == RaftConfiguration(voters: [1, 2, 3], learners: [4]))
        #expect(node.lastLogIndex == LogIndex(4))
        #expect(node.commitIndex == LogIndex(4))
        #expect((1...4).allSatisfy { node.entry(at: LogIndex(UInt64($0)))?.kind == .configChange })
    }

    @Test func learnerJoinsReplicatesAndDoesNotCountForQuorum() {
        var network = TestNetwork(voters: 1)
        network.elect(1)
        network.add(2, bootstrap: .joining)
        let output = Self.change(&network, ConfigChange(.addLearner, node: 2))
        #expect(output.acceptedProposals.count == 1)
        network.propose(1, [1])
        #expect(network[2].appliedData == [[1]])
        #expect(network[2].raft.currentConfiguration == RaftConfiguration(voters: [1], learners: [2]))
        // A learner never counts: with it cut off, the single voter still commits.
        network.isolate(2)
        network.propose(1, [2])
        #expect(network[1].appliedData == [[1], [2]])
    }

    @Test func promotedLearnerCountsForQuorum() {
        var network = TestNetwork(voters: 1, learners: 1)
        network.elect(1)
        network.propose(1, [1])
        Self.change(&network, ConfigChange(.promoteLearner, node: 2))
        #expect(network[1].raft.currentConfiguration.voters == [1, 2])
        #expect(network[2].raft.currentConfiguration.voters == [1, 2])
        network.isolate(2)
        network.propose(1, [2])
        #expect(network[1].appliedData == [[1]], "two voters: the leader alone is no quorum")
        network.heal()
        network.tickAll(2)
        #expect(network[1].appliedData == [[1], [2]])
    }

    @Test func addedVoterLearnsTheWholeMembershipFromTheLog() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.propose(1, [9])
        network.add(4, bootstrap: .joining)
        Self.change(&network, ConfigChange(.addVoter, node: 4, context: Array("10.0.0.4:7000".utf8)))
        network.tickAll(2)
        #expect(network[4].raft.currentConfiguration == RaftConfiguration(voters: [1, 2, 3, 4]))
        #expect(network[4].appliedData == [[9]])
        // Four voters: quorum three. With two cut off, nothing commits.
        network.isolate(3)
        network.isolate(4)
        network.propose(1, [10])
        #expect(network[1].appliedData == [[9]])
    }

    @Test func configChangeEntryCarriesItsContext() throws {
        var network = TestNetwork(voters: 1)
        network.elect(1)
        network.add(2, bootstrap: .joining)
        let context = Array("10.0.0.2:7000".utf8)
        let output = network.step(1, .proposeConfigChange(ProposalID(1), ConfigChange(.addLearner, node: 2, context: context)))
        let entry = output.committedEntries.last
        #expect(entry?.kind == .configChange)
        #expect(try ConfigChange(decoding: entry?.data ?? []).context == context)
        #expect(output.configuration == RaftConfiguration(voters: [1], learners: [2]))
    }

    @Test func removedFollowerNoLongerCounts() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        Self.change(&network, ConfigChange(.remove, node: 3))
        #expect(network[1].raft.currentConfiguration.voters == [1, 2])
        #expect(!network[1].raft.peerProgress.contains { $0.id == 3 })
        network.propose(1, [1])
        #expect(network[2].appliedData == [[1]])
        // The removed node is not a voter of its own configuration: it never campaigns.
        #expect(network[3].raft.currentConfiguration.voters == [1, 2])
        network.tick(3, times: 100)
        #expect(network[3].raft.currentRole == .follower)
    }

    @Test func removedLeaderHandsOverAndStepsDown() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.propose(1, [1])
        Self.change(&network, ConfigChange(.remove, node: 1))
        #expect(network[1].raft.currentRole == .follower)
        #expect(network.leaders.count == 1)
        let newLeader = network.leaders[0]
        #expect(newLeader != 1)
        #expect(network[newLeader].raft.currentConfiguration.voters == [2, 3])
        network.propose(newLeader, [2])
        #expect(network[2].appliedData == [[1], [2]])
        #expect(network[3].appliedData == [[1], [2]])
    }

    @Test func onlyOneChangeAtATime() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        network.add(4, bootstrap: .joining)
        network.add(5, bootstrap: .joining)
        network.step(1, .proposeConfigChange(ProposalID(1), ConfigChange(.addLearner, node: 4)))
        let second = network.step(1, .proposeConfigChange(ProposalID(2), ConfigChange(.addLearner, node: 5)))
        #expect(second.rejectedProposals == [RejectedProposal(id: ProposalID(2), reason: .configChangePending)])
        network.stabilize()
        let retry = network.step(1, .proposeConfigChange(ProposalID(3), ConfigChange(.addLearner, node: 5)))
        #expect(retry.acceptedProposals.map(\.id) == [ProposalID(3)])
    }

    @Test func newLeaderAcceptsChangesOnlyAfterCommittingInItsTerm() {
        var network = TestNetwork(voters: 3)
        // Node 1 wins but its empty entry is not yet acknowledged.
        network.step(1, .campaign)
        network.filter = { $0.appendResponse == nil }
        network.stabilize()
        #expect(network[1].raft.currentRole == .leader)
        let early = network.step(1, .proposeConfigChange(ProposalID(1), ConfigChange(.remove, node: 3)))
        #expect(early.rejectedProposals.first?.reason == .configChangePending)
        network.filter = nil
        network.tickAll(1)
        let later = network.step(1, .proposeConfigChange(ProposalID(2), ConfigChange(.remove, node: 3)))
        #expect(later.acceptedProposals.count == 1)
    }

    @Test(arguments: [
        ConfigChange(.addVoter, node: 2),
        ConfigChange(.addLearner, node: 1),
        ConfigChange(.promoteLearner, node: 3),
        ConfigChange(.remove, node: 9),
    ])
    func invalidChangesAreRejectedWithAReason(change: ConfigChange) {
        var network = TestNetwork(voters: 2)
        network.elect(1)
        let output = network.step(1, .proposeConfigChange(ProposalID(1), change))
        #expect(output.acceptedProposals.isEmpty)
        guard case .invalidConfigChange? = output.rejectedProposals.first?.reason else {
            Issue.record("expected invalid_config_change, got \(output.rejectedProposals)")
            return
        }
        #expect(output.rejectedProposals.first?.reason.code == "invalid_config_change")
    }

    @Test func removingTheLastVoterIsRejected() {
        var network = TestNetwork(voters: 1)
        network.elect(1)
        let output = network.step(1, .proposeConfigChange(ProposalID(1), ConfigChange(.remove, node: 1)))
        #expect(output.rejectedProposals.first?.reason.code == "invalid_config_change")
    }

    @Test func restartRebuildsTheConfigurationFromTheLog() throws {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        Self.change(&network, ConfigChange(.remove, node: 3))
        let bootstrap = network[2].storage.bootstrap(applied: .zero)
        let restarted = try RaftNode(config: RaftConfig(id: 2), bootstrap: bootstrap)
        #expect(restarted.currentConfiguration.voters == [1, 2])
    }

    @Test func restartWithAnUnsyncedCommitRelearnsTheConfiguration() {
        var network = TestNetwork(voters: 3)
        network.elect(1)
        Self.change(&network, ConfigChange(.remove, node: 3))
        network.crash(2)
        network.restart(2)
        // The commit index is not fsync'd; the change activates again once relearned.
        network.tickAll(1)
        #expect(network[2].raft.currentConfiguration.voters == [1, 2])
    }
}
