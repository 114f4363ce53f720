@testable import KeelDataPlaneSimulation
import KeelReplication
import KeelSimulation
import KeelTypes
import Testing

/// The simulator's own parts: if they lie, every check above proves nothing.
@Suite struct DriftingClockTests {
    @Test(arguments: [Int64(-83_333), 0, 83_333])
    func readingsAdvanceAtTheClockRateAndDelaysInvertThem(ppm: Int64) {
        let clock = DriftingClock(origin: 5_000_000_000, driftPPM: ppm)
        let start = clock.reading(at: .milliseconds(100))
        let later = clock.reading(at: .milliseconds(1_100))
        let elapsed = later.nanoseconds - start.nanoseconds
        #expect(elapsed == UInt64(Int64(1_000_000_000) + ppm * 1_000))
        let local = Duration.milliseconds(20)
        let real = clock.realDuration(ofLocal: local)
        let from = SimInstant.milliseconds(300)
        let advanced = clock.reading(at: from.advanced(by: real)).nanoseconds - clock.reading(at: from).nanoseconds
        #expect(advanced >= local.wholeNanoseconds && advanced <= local.wholeNanoseconds + 2)
    }

    @Test func changingTheRateKeepsTheReadingContinuous() {
        var clock = DriftingClock(origin: 0, driftPPM: 50_000)
        let before = clock.reading(at: .milliseconds(1_000))
        clock.setDrift(-50_000, at: .milliseconds(1_000))
        #expect(clock.reading(at: .milliseconds(1_000)) == before)
        #expect(clock.reading(at: .milliseconds(2_000)).nanoseconds - before.nanoseconds == 950_000_000)
    }

    @Test func theDriftBoundIsRespected() {
        let options = DataPlaneSimulationOptions()
        // Two clocks at opposite extremes diverge by at most the bound over a lease plus the bound.
        let window = Double(options.settings.leaseMs + options.settings.clockDriftBoundMs)
        let divergenceMs = 2 * Double(options.maxDriftPPM) / 1_000_000 * window
        #expect(divergenceMs <= Double(options.settings.clockDriftBoundMs))
        #expect(divergenceMs > 0.9 * Double(options.settings.clockDriftBoundMs), "the simulation should drift close to the bound")
    }
}

@Suite struct ShardDiskTests {
    func record(_ lsn: UInt64) -> ReplicationRecord {
        ReplicationRecord(lsn: LSN(lsn), epoch: Epoch(2), writes: [.put(key: [1], value: [UInt8(lsn)], version: KeyVersion(lsn))])
    }

    @Test func anFsyncCoversOnlyWhatWasWrittenBeforeItStarted() {
        var disk = ShardDisk(range: .all)
        disk.write([record(1), record(2)])
        let started = [disk.beginSync(), disk.beginSync()]
        #expect(started == [true, false], "one fsync at a time")
        disk.write([record(3)])
        let first = disk.completeSync()
        #expect(first == LSN(2))
        #expect(disk.holdsOnlyUnsynced(record(3)))
        let restarted = disk.beginSync()
        let second = disk.completeSync()
        #expect(restarted && second == LSN(3))
    }

    @Test func aCrashLosesWhatWasNotSynced() {
        var disk = ShardDisk(range: .all)
        disk.write([record(1)])
        _ = disk.beginSync()
        _ = disk.completeSync()
        disk.write([record(2), record(3)])
        _ = disk.beginSync()
        var random = SimRandom(seed: 1)
        disk.crash(random: &random, partialSurvivalProbability: 0)
        #expect(disk.recoveredLog == [record(1)])
        let afterCrash = disk.completeSync()
        #expect(afterCrash == nil, "the fsync in flight died with the process")
    }

    @Test func aTruncationDuringAnFsyncIsNotUndoneByIt() {
        var disk = ShardDisk(range: .all)
        disk.write([record(1), record(2)])
        _ = disk.beginSync()
        disk.truncate(after: LSN(1))
        disk.write([ReplicationRecord(lsn: LSN(2), epoch: Epoch(3), writes: [])])
        let durable = disk.completeSync()
        #expect(durable == LSN(1))
        #expect(disk.recoveredLog == [record(1)])
    }

    @Test func theStoreAppliesInOrderAndTrimmingKeepsWhatItLacks() {
        var disk = ShardDisk(range: .all)
        disk.write([record(1), record(2)])
        _ = disk.beginSync()
        _ = disk.completeSync()
        disk.apply(record(1))
        disk.trimLog(through: LSN(2))
        #expect(disk.storeApplied == LSN(1))
        #expect(disk.recoveredLog == [record(2)])
        #expect(disk.store[[1]]?.version == KeyVersion(1))
    }
}

@Suite struct SimNetworkTests {
    @Test func blockedLinksDropAndClientRequestsAreNeverDuplicated() {
        var faults = DataPlaneNetworkFaults()
        faults.lossProbability = 0
        faults.duplicationProbability = 1
        var network = DataPlaneNetwork(faults: faults, random: SimRandom(seed: 7))
        let request = Envelope(from: .client(0), to: .node(1), payload: .clientRequest(ClientRequest(requestID: 1, operation: .get(key: [1]))))
        let requestCopies = network.deliveryDelays(for: request).count
        #expect(requestCopies == 1)
        let heartbeat = Envelope(from: .node(1), to: .meta, payload: .mapQuery)
        let heartbeatCopies = network.deliveryDelays(for: heartbeat).count
        #expect(heartbeatCopies == 2)
        let id = network.partition(.nodeToMetaOneWay, blocking: [DataPlaneNetwork.Link(from: .node(1), to: .meta)])
        let whileCut = network.deliveryDelays(for: heartbeat)
        #expect(whileCut.isEmpty)
        #expect(!network.isBlocked(from: .meta, to: .node(1)), "one way only")
        network.heal(id)
        #expect(!network.isBlocked(from: .node(1), to: .meta))
    }
}

@Suite struct AcknowledgedWritesCheckTests {
    func history(_ build: (inout OperationHistory) -> Void) -> OperationHistory {
        var history = OperationHistory()
        build(&history)
        return history
    }

    @Test func aLostAcknowledgedWriteIsReported() throws {
        let lost = history { h in
            let first = h.invoke(client: 1, key: "k", input: .put("a", ifVersion: nil), at: .milliseconds(1))
            h.complete(first, .written(version: 1), at: .milliseconds(2))
            let second = h.invoke(client: 2, key: "k", input: .put("b", ifVersion: nil), at: .milliseconds(3))
            h.complete(second, .written(version: 2), at: .milliseconds(4))
        }
        let violation = try #require(AcknowledgedWritesCheck.check(key: "k", final: .found("a", version: 1), history: lost, at: .milliseconds(9)))
        #expect(violation.kind == .acknowledgedWriteLost)
        #expect(AcknowledgedWritesCheck.check(key: "k", final: .found("b", version: 2), history: lost, at: .milliseconds(9)) == nil)
    }

    @Test func aWriteOfUnknownOutcomeMayBeTheLast() {
        let maybe = history { h in
            let first = h.invoke(client: 1, key: "k", input: .put("a", ifVersion: nil), at: .milliseconds(1))
            h.complete(first, .written(version: 1), at: .milliseconds(2))
            let second = h.invoke(client: 2, key: "k", input: .delete(ifVersion: nil), at: .milliseconds(3))
            h.abandon(second, reason: "timeout")
        }
        #expect(AcknowledgedWritesCheck.check(key: "k", final: .notFound, history: maybe, at: .milliseconds(9)) == nil)
        #expect(AcknowledgedWritesCheck.check(key: "k", final: .found("a", version: 1), history: maybe, at: .milliseconds(9)) == nil)
    }
}

@Suite struct AppliedLogMonitorTests {
    let a = ReplicationRecord(lsn: LSN(1), epoch: Epoch(2), writes: [.delete(key: [1])])
    let b = ReplicationRecord(lsn: LSN(1), epoch: Epoch(3), writes: [.delete(key: [2])])

    @Test func twoRecordsAppliedAtOneLSNDiverge() {
        var monitor = AppliedLogMonitor()
        let first = monitor.applied(a, shard: ShardID(1), on: "n1", at: .zero)
        let same = monitor.applied(a, shard: ShardID(1), on: "n2", at: .zero)
        let different = monitor.applied(b, shard: ShardID(1), on: "n3", at: .zero)
        #expect(first == nil && same == nil)
        #expect(different?.kind == .replicasDiverged)
        #expect(monitor.committed(ShardID(1)) == LSN(1))
    }

    @Test func onlyAMemberOfTheConfigurationMayNotDropACommittedRecord() {
        var monitor = AppliedLogMonitor()
        _ = monitor.applied(a, shard: ShardID(1), on: "n1", at: .zero)
        #expect(monitor.truncated([a], shard: ShardID(1), on: "n2", role: .backup, at: .zero)?.kind == .committedRecordDropped)
        #expect(monitor.truncated([a], shard: ShardID(1), on: "n2", role: .learner, at: .zero) == nil)
        #expect(monitor.truncated([b], shard: ShardID(1), on: "n2", role: .backup, at: .zero) == nil, "a different record may go")
    }
}
