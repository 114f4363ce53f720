import KeelReplication
import KeelTypes
import Testing

/// Replicas that come back after a crash: what they held before may have been written
/// under an older primary, or by themselves in an epoch they can no longer continue.
/// (BUG-7 in docs/dataplane-simulation-bugs.md.)
@Suite struct ReturningReplicaTests {
    let n1: DataNodeID = "n1", n2: DataNodeID = "n2"

    @Test func aRestartedPrimaryWritesNothingUntilItHasANewEpoch() throws {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        _ = cluster.put("a", "1", at: n1)
        cluster.deliverAll()
        // A record reaches the backup's disk but not the primary's; then the primary dies.
        cluster.nodes[n1]!.slowDisk = true
        _ = cluster.put("lost", "x", at: n1)
        cluster.deliverAll()
        cluster.crash(n1)
        cluster.nodes[n1]!.slowDisk = false
        cluster.restart(n1)
        let epoch = cluster.descriptor.epoch
        #expect(cluster.metaRequests.contains(.renewEpoch(node: n1, epoch: epoch)))
        let refused = cluster.put("b", "2", at: n1)
        #expect(cluster.failureCode(refused) == .shardUnavailable)

        cluster.reconfigure { _ in }
        cluster.grantLease(to: n1)
        cluster.deliverAll()
        let written = cluster.put("b", "2", at: n1)
        cluster.deliverAll()
        #expect(cluster.succeeded(written) != nil)
        cluster.advance(.milliseconds(300))  // the commit point reaches the backup
        cluster.deliverAll()
        // The backup dropped the record the primary lost instead of keeping it at the LSN
        // the new write took: both stores agree.
        for key in ["a", "b", "lost"] { #expect(cluster.value(key, at: n2) == cluster.value(key, at: n1)) }
        #expect(cluster.value("lost", at: n2) == nil)
    }

    @Test func aReturningLearnerNeverAppliesATailFromAnOlderPrimary() throws {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        _ = cluster.put("k", "committed", at: n1)
        cluster.deliverAll()
        // n1 writes a record only it holds, and dies; n2 takes over and writes its own.
        cluster.partitioned = [n2]
        _ = cluster.put("k", "old-primary", at: n1)
        cluster.deliverAll()
        cluster.crash(n1)
        cluster.partitioned = []
        cluster.reconfigure { failover in
            failover.primary = n2
            failover.backups = []
        }
        cluster.grantLease(to: n2)
        cluster.deliverAll()
        for index in 0..<5 { _ = cluster.put("k", "new-\(index)", at: n2) }
        cluster.deliverAll()

        // n1 returns and is added back as a learner, with its old record still in its log.
        cluster.restart(n1)
        let rejoin = cluster.reconfigure { $0.learners = [n1] }
        cluster.grantLease(to: n2)
        for _ in 0..<5 {
            cluster.deliverAll()
            #expect(cluster.value("k", at: n1) != "old-primary")
            cluster.advance(.milliseconds(300))
        }
        #expect(cluster.value("k", at: n1) == "new-4")
        #expect(cluster.metaRequests.contains(.promoteLearner(node: n1, epoch: rejoin.epoch)))
    }
}

extension ReturningReplicaTests {
    @Test func aLostGapRequestIsAskedAgain() throws {
        let n3: DataNodeID = "n3"
        var cluster = ReplicaHarness(primary: n1, backups: [n2, n3])
        for index in 0..<3 { _ = cluster.put("k", "a\(index)", at: n1) }
        cluster.deliverAll()
        // n3 holds records durably that its store has not applied, then dies and is removed.
        cluster.nodes[n3]!.slowDisk = false
        _ = cluster.put("k", "b", at: n1)
        cluster.deliverAll(maxMessages: 2)  // n3 gets the prepare, not yet the next commit point
        cluster.crash(n3)
        cluster.reconfigure { $0.backups = [n2] }
        cluster.grantLease(to: n1)
        cluster.deliverAll()
        for index in 0..<3 { _ = cluster.put("k", "c\(index)", at: n1) }
        cluster.deliverAll()

        // It comes back as a learner; its first request for a resend is lost.
        cluster.restart(n3)
        let rejoin = cluster.reconfigure { $0.learners = [n3] }
        cluster.grantLease(to: n1)
        var droppedGaps = 0
        for _ in 0..<20 {
            let before = cluster.network.count
            cluster.network.removeAll { message in
                guard droppedGaps == 0, case .prepareGap = message.message else { return false }
                return true
            }
            droppedGaps += before - cluster.network.count
            cluster.deliverAll(maxMessages: 1)
        }
        for _ in 0..<10 {
            cluster.advance(.milliseconds(200))
            cluster.deliverAll()
        }
        #expect(cluster.value("k", at: n3) == "c2")
        #expect(cluster.metaRequests.contains(.promoteLearner(node: n3, epoch: rejoin.epoch)))
        print("prepareGap messages dropped: \(droppedGaps)")
    }
}
