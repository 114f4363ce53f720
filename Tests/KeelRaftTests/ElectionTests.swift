@_spi(Testing) @testable import KeelRaft
import Testing

/// Raft §5.2 leader election, with PreVote and CheckQuorum (thesis §9.6).
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
}
