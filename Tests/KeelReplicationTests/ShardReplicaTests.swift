@_spi(Testing) import KeelReplication
import KeelTypes
import Testing

@Suite struct ShardReplicaTests {
    let n1: DataNodeID = "n1", n2: DataNodeID = "n2", n3: DataNodeID = "n3"

    @Test func writesCommitOnceEveryReplicaHasThemDurably() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2, n3])
        let request = cluster.put("a", "1", at: n1)
        #expect(cluster.answers[request] == nil, "answered before the backups acknowledged")
        cluster.deliverAll()
        #expect(cluster.succeeded(request)?.version == KeyVersion(1))
        cluster.advance(.milliseconds(300))  // the commit heartbeat tells the backups
        cluster.deliverAll()
        for node in [n1, n2, n3] { #expect(cluster.value("a", at: node) == "1", "\(node)") }
    }

    @Test func aSlowBackupDiskHoldsTheAcknowledgement() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        cluster.nodes[n2]!.slowDisk = true
        let request = cluster.put("a", "1", at: n1)
        cluster.deliverAll()
        #expect(cluster.answers[request] == nil)
        cluster.persist(n2)
        cluster.deliverAll()
        #expect(cluster.succeeded(request) != nil)
    }

    @Test func theInjectedAckBeforeDurableBugAnswersTooEarly() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        cluster.nodes[n1]!.replica.injectedBugs = [.ackBeforeBackupsDurable]
        cluster.nodes[n2]!.slowDisk = true
        let request = cluster.put("a", "1", at: n1)
        cluster.deliverAll()
        #expect(cluster.succeeded(request) != nil, "the bug should acknowledge without the backup")
    }

    @Test func writesSubmittedTogetherShareOneRecord() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        let requests = (0..<100).map { cluster.put("k\($0)", "v", at: n1, flush: false) }
        cluster.flush(n1)
        #expect(cluster.nodes[n1]!.pendingPersist.isEmpty)
        #expect(cluster.nodes[n1]!.durableLog.count == 1)
        #expect(cluster.nodes[n1]!.durableLog[0].writes.count == 100)
        cluster.deliverAll()
        #expect(requests.allSatisfy { cluster.succeeded($0) != nil })
    }

    @Test func conditionsSeeTheUncommittedWindow() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        let first = cluster.put("k", "1", at: n1, ifVersion: 0, flush: false)
        let second = cluster.put("k", "2", at: n1, ifVersion: 1, flush: false)
        let stale = cluster.put("k", "3", at: n1, ifVersion: 1, flush: false)
        let create = cluster.put("k", "4", at: n1, ifVersion: 0, flush: false)
        // Refusals decided against uncommitted writes wait until those commit.
        #expect(cluster.answers[stale] == nil)
        #expect(cluster.answers[create] == nil)
        cluster.flush(n1)
        cluster.deliverAll()
        #expect(cluster.failureCode(stale) == .versionMismatch)
        #expect(cluster.failureCode(create) == .versionMismatch)
        #expect(cluster.succeeded(first)?.version == KeyVersion(1))
        #expect(cluster.succeeded(second)?.version == KeyVersion(2))
        let delete = cluster.write(.delete(key: Array("k".utf8), condition: .ifVersion(KeyVersion(2))), at: n1)
        let missing = cluster.write(.delete(key: Array("nope".utf8), condition: .none), at: n1)
        cluster.deliverAll()
        #expect(cluster.succeeded(delete)?.version == KeyVersion(2))
        #expect(cluster.failureCode(missing) == .notFound)
        #expect(cluster.value("k", at: n1) == nil)
    }

    @Test func noLeaseNoService() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        cluster.advance(.seconds(3))  // the lease (3 s minus the safety margin) is over
        let request = cluster.put("a", "1", at: n1)
        #expect(cluster.failureCode(request) == .shardUnavailable)
        #expect(cluster.nodes[n1]!.replica.servingError(now: cluster.now)?.code == .shardUnavailable)
        cluster.grantLease(to: n1)
        #expect(cluster.nodes[n1]!.replica.servingError(now: cluster.now) == nil)
        #expect(cluster.nodes[n2]!.replica.servingError(now: cluster.now)?.code == .notPrimary)
    }

    @Test func theInjectedServeAfterLeaseBugKeepsServing() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        cluster.nodes[n1]!.replica.injectedBugs = [.serveAfterLeaseExpiry]
        cluster.advance(.seconds(10))
        #expect(cluster.nodes[n1]!.replica.servingError(now: cluster.now) == nil)
    }

    @Test func aDeposedPrimaryIsFencedByTheEpoch() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        var next = cluster.descriptor
        next.epoch = next.epoch.next
        next.primary = n2
        next.backups = []
        // n1 is partitioned from the meta group and does not learn the new epoch.
        cluster.reconfigure(next, only: [n2])
        cluster.grantLease(to: n2)
        let request = cluster.put("a", "old", at: n1)
        cluster.deliverAll()
        #expect(cluster.answers[request] == nil, "the old primary must not commit")
        #expect(cluster.value("a", at: n2) == nil)
        let fresh = cluster.put("a", "new", at: n2)
        cluster.deliverAll()
        #expect(cluster.succeeded(fresh) != nil)
    }

    @Test func staleEpochAnswersTellTheSenderItIsDeposed() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        var next = cluster.descriptor
        next.epoch = next.epoch.next
        next.primary = n2
        next.backups = [n1]
        cluster.reconfigure(next, only: [n2])
        var n1Replica = cluster.nodes[n1]!.replica
        let output = n1Replica.receive(.staleEpoch(next), from: n2, now: cluster.now)
        #expect(output.newerEpochSeen == next.epoch)
    }

    @Test func aNewPrimaryReconcilesMissingAndExtraRecords() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2, n3])
        let committed = cluster.put("a", "1", at: n1)
        cluster.deliverAll()
        #expect(cluster.succeeded(committed) != nil)
        // Record 2 reaches n2 only; record 3 reaches n3 only; then n1 dies.
        _ = cluster.put("b", "2", at: n1)
        cluster.network.removeAll { $0.to == n3 }
        cluster.deliverAll()
        _ = cluster.put("c", "3", at: n1)
        cluster.network.removeAll { $0.to == n2 }
        cluster.deliverAll()
        cluster.crash(n1)
        var next = cluster.descriptor
        next.epoch = next.epoch.next
        next.primary = n2
        next.backups = [n3]
        cluster.reconfigure(next)
        cluster.grantLease(to: n2)
        #expect(cluster.nodes[n2]!.replica.servingError(now: cluster.now)?.code == .shardUnavailable, "must reconcile first")
        cluster.deliverAll()
        #expect(cluster.nodes[n2]!.replica.servingError(now: cluster.now) == nil)
        cluster.advance(.milliseconds(300))
        cluster.deliverAll()
        // n2's log wins: b is kept and committed everywhere, n3's c is gone.
        #expect(cluster.value("b", at: n3) == "2")
        #expect(cluster.value("c", at: n3) == nil)
        #expect(cluster.nodes[n3]!.durableLog.map(\.lsn) == cluster.nodes[n2]!.durableLog.map(\.lsn))
        let after = cluster.put("d", "4", at: n2)
        cluster.deliverAll()
        #expect(cluster.succeeded(after) != nil)
    }

    @Test func theInjectedSkipReconciliationBugServesAtOnce() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2, n3])
        cluster.nodes[n2]!.replica.injectedBugs = [.skipReconciliation]
        var next = cluster.descriptor
        next.epoch = next.epoch.next
        next.primary = n2
        next.backups = [n3]
        cluster.partitioned = [n3]
        cluster.reconfigure(next)
        cluster.grantLease(to: n2)
        #expect(cluster.nodes[n2]!.replica.servingError(now: cluster.now) == nil)
    }

    @Test func aSilentBackupIsReportedToTheMetaGroup() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        cluster.partitioned = [n2]
        _ = cluster.put("a", "1", at: n1)
        cluster.deliverAll()
        cluster.advance(.seconds(1))
        #expect(cluster.metaRequests.isEmpty)
        cluster.advance(.seconds(2))
        #expect(cluster.metaRequests == [.removeReplica(node: n2, epoch: cluster.descriptor.epoch)])
        // Once the meta group removes it, writes go on (min-insync 1).
        var next = cluster.descriptor
        next.epoch = next.epoch.next
        next.backups = []
        cluster.reconfigure(next, only: [n1])
        cluster.grantLease(to: n1)
        cluster.deliverAll()
        let request = cluster.put("b", "2", at: n1)
        cluster.deliverAll()
        #expect(cluster.succeeded(request) != nil)
    }

    @Test func minInsyncRefusesWritesWhenTheConfigurationIsTooSmall() {
        var config = ReplicaConfig()
        config.minInsync = 2
        var cluster = ReplicaHarness(primary: n1, backups: [], config: config)
        let request = cluster.put("a", "1", at: n1)
        #expect(cluster.failureCode(request) == .notEnoughReplicas)
    }

    @Test func uncommittedBytesAreBounded() {
        var config = ReplicaConfig()
        config.maxUncommittedBytes = 1000
        var cluster = ReplicaHarness(primary: n1, backups: [n2], config: config)
        cluster.partitioned = [n2]
        var codes: [KeelError.Code?] = []
        for index in 0..<20 {
            let request = cluster.put("k\(index)", String(repeating: "x", count: 100), at: n1)
            codes.append(cluster.failureCode(request))
        }
        #expect(codes.contains(.overloaded))
    }

    @Test func aLearnerCatchesUpAndIsReportedForPromotion() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        for index in 0..<5 { _ = cluster.put("k\(index)", "v\(index)", at: n1) }
        cluster.deliverAll()
        cluster.addEmptyNode(n3)
        let next = cluster.reconfigure { $0.learners = [n3] }
        cluster.grantLease(to: n1)
        cluster.deliverAll()
        cluster.advance(.milliseconds(300))
        cluster.deliverAll()
        #expect(cluster.value("k4", at: n3) == "v4")
        #expect(cluster.metaRequests.contains(.promoteLearner(node: n3, epoch: next.epoch)))
    }

    @Test func aLearnerWaitingForPromotionCountsForCommits() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        cluster.addEmptyNode(n3)
        let next = cluster.reconfigure { $0.learners = [n3] }
        cluster.grantLease(to: n1)
        cluster.deliverAll()
        #expect(cluster.metaRequests.contains(.promoteLearner(node: n3, epoch: next.epoch)))
        // The promotion is pending; n3's disk stalls. A write must wait for n3 too, so that
        // n3 holds it once it becomes a backup.
        cluster.nodes[n3]!.slowDisk = true
        let request = cluster.put("k", "v", at: n1)
        cluster.deliverAll()
        #expect(cluster.answers[request] == nil)
        cluster.persist(n3)
        cluster.deliverAll()
        #expect(cluster.succeeded(request) != nil)
    }

    @Test func aLearnerBehindTheTrimmedLogGetsASnapshot() {
        var cluster = ReplicaHarness(primary: n1, backups: [n2])
        for index in 0..<5 { _ = cluster.put("k\(index)", "v\(index)", at: n1) }
        cluster.deliverAll()
        cluster.nodes[n1]!.replica.trimLog(through: LSN(5))
        cluster.addEmptyNode(n3)
        var next = cluster.descriptor
        next.epoch = next.epoch.next
        next.learners = [n3]
        var primary = cluster.nodes[n1]!.replica
        let output = primary.configure(next, now: cluster.now)
        cluster.nodes[n1]!.replica = primary
        cluster.descriptor = next
        cluster.carryOut(cluster.nodes[n3]!.replica.configure(next, now: cluster.now), at: n3)
        cluster.carryOut(cluster.nodes[n2]!.replica.configure(next, now: cluster.now), at: n2)
        cluster.carryOut(output, at: n1)
        var snapshots: [DataNodeID] = []
        for _ in 0..<20 where !cluster.network.isEmpty {
            let (from, to, message) = cluster.network.removeFirst()
            let out = cluster.nodes[to]!.replica.receive(message, from: from, now: cluster.now)
            snapshots += out.snapshotsToSend
            cluster.carryOut(out, at: to)
        }
        #expect(snapshots == [n3])
    }

    @Test func randomCrashesNeverLoseAnAcknowledgedWrite() {
        for seed in UInt64(1)...30 {
            var random = SplitMix64(seed: seed)
            var cluster = ReplicaHarness(primary: n1, backups: [n2, n3])
            var acknowledged: [String: String] = [:]
            var requests: [UInt64: (String, String)] = [:]
            var members = [n1, n2, n3]
            for step in 0..<200 {
                let primary = cluster.descriptor.primary!
                switch random.next() % 10 {
                case 0..<6:
                    let key = "k\(random.next() % 8)"
                    let value = "v\(step)"
                    requests[cluster.put(key, value, at: primary)] = (key, value)
                case 6..<8:
                    cluster.deliverAll(maxMessages: Int(random.next() % 5))
                case 8:
                    cluster.advance(.milliseconds(250))
                    cluster.grantLease(to: primary)
                default:
                    // Fail the primary over to a backup (the meta group's job), crash and restart the old one.
                    guard let heir = cluster.descriptor.backups.first else { break }
                    cluster.crash(primary)
                    var next = cluster.descriptor
                    next.epoch = next.epoch.next
                    next.primary = heir
                    next.backups = cluster.descriptor.backups.filter { $0 != heir }
                    cluster.reconfigure(next)
                    cluster.grantLease(to: heir)
                    members.removeAll { $0 == primary }
                    cluster.restart(primary)
                }
                for (requestID, (key, value)) in requests where cluster.succeeded(requestID) != nil {
                    acknowledged[key] = value
                    requests[requestID] = nil
                }
            }
            cluster.deliverAll()
            cluster.advance(.milliseconds(300))
            cluster.deliverAll()
            for (requestID, (key, value)) in requests where cluster.succeeded(requestID) != nil { acknowledged[key] = value }
            // Every acknowledged write (its latest value per key) is on the serving primary.
            let primary = cluster.descriptor.primary!
            for (key, value) in acknowledged {
                let stored = cluster.value(key, at: primary)
                let laterWriteOfKey = requests.values.contains { $0.0 == key }
                #expect(stored == value || laterWriteOfKey, "seed \(seed): \(key) lost \(value), found \(stored ?? "nothing")")
            }
        }
    }
}

