@_spi(Testing) @testable import KeelRaft
import Testing

/// Interaction scripts (etcd-io/raft style): the exact message exchange of a few key
/// paths, readable as a protocol trace. See `ScriptRunner` for the commands.
@Suite struct ScriptTests {
    /// Node 1 is elected in a new 3-node group: pre-vote round, real vote, the new
    /// leader's empty entry, then the commit index.
    static let electNode1 = """
        nodes 3
        campaign 1
        stabilize
        ----
        n1->n2 t2 pre-vote last=i3/t1
        n1->n3 t2 pre-vote last=i3/t1
        n2->n1 t2 pre-vote granted
        n3->n1 t2 pre-vote granted
        n1->n2 t2 vote last=i3/t1
        n1->n3 t2 vote last=i3/t1
        n2->n1 t2 vote granted
        n3->n1 t2 vote granted
        n1->n2 t2 append prev=i3/t1 [i4/t2] commit=i3
        n1->n3 t2 append prev=i3/t1 [i4/t2] commit=i3
        n2->n1 t2 append ok i4
        n3->n1 t2 append ok i4
        n1->n2 t2 append prev=i4/t2 [] commit=i4
        n1->n3 t2 append prev=i4/t2 [] commit=i4
        n2->n1 t2 append ok i4
        n3->n1 t2 append ok i4
        """

    @Test func preVoteThenElection() {
        var runner = ScriptRunner()
        let transcript = runner.run(Self.electNode1)
        #expect(transcript.actual == transcript.expected)
    }

    /// A deposed leader (no CheckQuorum) keeps three uncommitted entries of term 2; the
    /// leader of term 3 replaces them once the partition heals.
    @Test func divergentFollowerIsRepairedByTheNewLeader() {
        var runner = ScriptRunner()
        let transcript = runner.run("""
        nodes 3 prevote=off checkquorum=off
        campaign 1
        stabilize
        isolate 1
        propose 1 a
        propose 1 b
        propose 1 c
        campaign 2
        stabilize
        propose 2 d
        stabilize
        status
        ----
        n1->n2 t2 vote last=i3/t1
        n1->n3 t2 vote last=i3/t1
        n2->n1 t2 vote granted
        n3->n1 t2 vote granted
        n1->n2 t2 append prev=i3/t1 [i4/t2] commit=i3
        n1->n3 t2 append prev=i3/t1 [i4/t2] commit=i3
        n2->n1 t2 append ok i4
        n3->n1 t2 append ok i4
        n1->n2 t2 append prev=i4/t2 [] commit=i4
        n1->n3 t2 append prev=i4/t2 [] commit=i4
        n2->n1 t2 append ok i4
        n3->n1 t2 append ok i4
        n2->n3 t3 vote last=i4/t2
        n3->n2 t3 vote granted
        n2->n3 t3 append prev=i4/t2 [i5/t3] commit=i4
        n3->n2 t3 append ok i5
        n2->n3 t3 append prev=i5/t3 [] commit=i5
        n3->n2 t3 append ok i5
        n2->n3 t3 append prev=i5/t3 [i6/t3] commit=i5
        n3->n2 t3 append ok i6
        n2->n3 t3 append prev=i6/t3 [] commit=i6
        n3->n2 t3 append ok i6
        n1 leader t2 commit=i4 last=i7 leader=n1
        n2 leader t3 commit=i6 last=i6 leader=n2
        n3 follower t3 commit=i6 last=i6 leader=n2

        heal
        tick 2
        stabilize
        status
        ----
        n2->n1 t3 heartbeat commit=i0 round=0
        n2->n3 t3 heartbeat commit=i6 round=0
        n1->n2 t3 heartbeat ok round=0
        n3->n2 t3 heartbeat ok round=0
        n2->n1 t3 append prev=i4/t2 [i5/t3,i6/t3] commit=i6
        n1->n2 t3 append ok i6
        n1 follower t3 commit=i6 last=i6 leader=n2
        n2 leader t3 commit=i6 last=i6 leader=n2
        n3 follower t3 commit=i6 last=i6 leader=n2
        """)
        #expect(transcript.actual == transcript.expected)
    }

    /// Read r7 starts heartbeat round 1; the forwarded r8 arrives while round 1 is
    /// unconfirmed and waits for round 2 (batched rounds); both read at the commit index.
    @Test func readIndexOnLeaderAndFollower() {
        var runner = ScriptRunner()
        let election = runner.run(Self.electNode1)
        #expect(election.actual == election.expected)
        let transcript = runner.run("""
        read 1 7
        read 3 8
        stabilize
        reads 1
        reads 3
        ----
        n1->n2 t2 heartbeat commit=i4 round=1
        n1->n3 t2 heartbeat commit=i4 round=1
        n3->n1 t2 read-index r8
        n2->n1 t2 heartbeat ok round=1
        n3->n1 t2 heartbeat ok round=1
        n1->n2 t2 heartbeat commit=i4 round=2
        n1->n3 t2 heartbeat commit=i4 round=2
        n2->n1 t2 heartbeat ok round=2
        n3->n1 t2 heartbeat ok round=2
        n1->n3 t2 read-index r8 at i4
        r7 at i4 by read-index
        r8 at i4 by read-index
        """)
        #expect(transcript.actual == transcript.expected)
    }

    /// The target is caught up, so TimeoutNow goes out at once; its campaign is flagged as
    /// a transfer (no pre-vote, leases bypassed).
    @Test func leadershipTransfer() {
        var runner = ScriptRunner()
        let election = runner.run(Self.electNode1)
        #expect(election.actual == election.expected)
        let transcript = runner.run("""
        transfer 1 3
        stabilize
        status
        ----
        n1->n3 t2 timeout-now
        n3->n1 t3 vote last=i4/t2 transfer
        n3->n2 t3 vote last=i4/t2 transfer
        n1->n3 t3 vote granted
        n2->n3 t3 vote granted
        n3->n1 t3 append prev=i4/t2 [i5/t3] commit=i4
        n3->n2 t3 append prev=i4/t2 [i5/t3] commit=i4
        n1->n3 t3 append ok i5
        n2->n3 t3 append ok i5
        n3->n1 t3 append prev=i5/t3 [] commit=i5
        n3->n2 t3 append prev=i5/t3 [] commit=i5
        n1->n3 t3 append ok i5
        n2->n3 t3 append ok i5
        n1 follower t3 commit=i5 last=i5 leader=n3
        n2 follower t3 commit=i5 last=i5 leader=n3
        n3 leader t3 commit=i5 last=i5 leader=n3
        """)
        #expect(transcript.actual == transcript.expected)
    }
}
