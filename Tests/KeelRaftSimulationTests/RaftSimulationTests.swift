import KeelRaft
import KeelSimulation
import Testing

/// The Raft group under the deterministic simulator: every seed's run must keep every
/// invariant, recover after faults heal, and leave a linearizable client history.
@Suite struct RaftSimulationTests {
    static let replayFilter = "RaftSimulationTests/seedsKeepEveryInvariant"

    @Test(arguments: SimulationSeeds.chunks)
    func seedsKeepEveryInvariant(seeds: ClosedRange<UInt64>) {
        var coverage = Coverage()
        for seed in seeds {
            var simulation = RaftSimulation(options: SimulationSeeds.options(seed))
            let report = simulation.run()
            if !report.passed {
                Issue.record(Comment(rawValue: report.failureMessage(filter: Self.replayFilter)))
            }
            coverage.add(report)
        }
        print(coverage.summary(seeds))
        // A full batch must have exercised the whole fault mix, or passing proves little.
        if seeds.count == Int(SimulationSeeds.chunkSize) { coverage.expectFullMix(seeds) }
    }

    @Test func sameSeedSameTrace() {
        for seed in [UInt64(3), 17, 4_242] {
            var first = RaftSimulation(options: .forSeed(seed))
            var second = RaftSimulation(options: .forSeed(seed))
            let a = first.run()
            let b = second.run()
            #expect(a.traceHash == b.traceHash, "seed \(seed)")
            #expect(a.statistics.events == b.statistics.events && a.endedAt == b.endedAt)
            #expect(a.history.count == b.history.count)
        }
        var other = RaftSimulation(options: .forSeed(18))
        var again = RaftSimulation(options: .forSeed(17))
        #expect(other.run().traceHash != again.run().traceHash)
    }

    @Test func aCorruptedReadFromARealRunIsRejected() throws {
        var simulation = RaftSimulation(options: .forSeed(5))
        let report = simulation.run()
        try #require(report.passed)
        var history = report.history
        let reads = history.indices.filter { history[$0].input == .get && history[$0].output != nil }
        let read = try #require(reads.last)
        history[read].outcome = .returned(.found("never-written", version: 1), at: history[read].returnedAt!)
        let violation = try #require(LinearizabilityChecker(model: SimKV()).check(history).violation)
        #expect(violation.culprits.contains { $0.id == history[read].id })
    }

    @Test func aStaleReadFromARealRunIsRejected() throws {
        // Replace a read's answer by the value the key had before the last write that
        // completed before the read began: a read that goes back in time.
        var rejected = 0
        for seed in UInt64(1)...20 {
            var simulation = RaftSimulation(options: .forSeed(seed))
            var history = simulation.run().history
            guard let (read, stale) = Self.staleAnswer(in: history) else { continue }
            history[read].outcome = .returned(stale, at: history[read].returnedAt!)
            #expect(LinearizabilityChecker(model: SimKV()).check(history).violation != nil, "seed \(seed)")
            rejected += 1
        }
        #expect(rejected >= 10)
    }

    /// A completed read, and the answer an earlier completed put on its key produced, where
    /// another completed write on that key came strictly between the two.
    static func staleAnswer(in history: [LinearizabilityOperation<SimKV>]) -> (Int, SimKV.Output)? {
        for read in history.indices.reversed() where history[read].input == .get && history[read].returnedAt != nil {
            let key = history[read].key
            let writes = history.filter {
                $0.key == key && $0.input != .get && ($0.returnedAt ?? .max) < history[read].invokedAt
                    && { if case .written = $0.output { return true } else { return false } }($0)
            }
            for old in writes {
                guard case .put(let value, _) = old.input, case .written(let version?) = old.output else { continue }
                if writes.contains(where: { $0.invokedAt > old.returnedAt! }) { return (read, .found(value, version: version)) }
            }
        }
        return nil
    }
}

/// What a batch of runs exercised.
struct Coverage {
    var runs = 0
    var sizes: Set<Int> = []
    var readModes: Set<ReadMode> = []
    var profiles: Set<Int> = []
    var total = RaftSimulationReport.Statistics()

    mutating func add(_ report: RaftSimulationReport) {
        runs += 1
        sizes.insert(report.options.nodeCount)
        readModes.insert(report.options.readMode)
        if let profile = report.options.profile { profiles.insert(profile) }
        let s = report.statistics
        total.crashes += s.crashes
        total.partitions += s.partitions
        total.pauses += s.pauses
        total.compactions += s.compactions
        total.snapshotsInstalled += s.snapshotsInstalled
        total.transfers += s.transfers
        total.configChangesCommitted += s.configChangesCommitted
        total.leadersElected += s.leadersElected
        total.readsServed += s.readsServed
        total.writesApplied += s.writesApplied
        total.operationsCompleted += s.operationsCompleted
        total.buggifyFirings += s.buggifyFirings
        total.configChangesProposed += s.configChangesProposed
        total.operationsAbandoned += s.operationsAbandoned
        total.uncheckedKeys += s.uncheckedKeys
        total.network.sent += s.network.sent
        total.network.reordered += s.network.reordered
        total.network.lost += s.network.lost
        total.network.duplicated += s.network.duplicated
        total.network.droppedByPartition += s.network.droppedByPartition
    }

    /// One line saying what the batch exercised.
    func summary(_ seeds: ClosedRange<UInt64>) -> String {
        let t = total
        return "seeds \(seeds): \(runs) runs, \(t.leadersElected) elections, \(t.crashes) crashes, \(t.partitions) partitions, "
            + "\(t.pauses) pauses, \(t.transfers) transfers, \(t.configChangesCommitted)/\(t.configChangesProposed) membership changes, "
            + "\(t.compactions) compactions, \(t.snapshotsInstalled) snapshot installs, \(t.buggifyFirings) buggify firings; "
            + "messages \(t.network.sent) sent, \(t.network.lost) lost, \(t.network.duplicated) duplicated, "
            + "\(t.network.reordered) reordered, \(t.network.droppedByPartition) cut; "
            + "client operations \(t.operationsCompleted) completed, \(t.operationsAbandoned) abandoned, "
            + "\(t.readsServed) reads served, \(t.writesApplied) writes applied; keys left unchecked: \(t.uncheckedKeys)"
    }

    func expectFullMix(_ seeds: ClosedRange<UInt64>) {
        let context = Comment(rawValue: "seeds \(seeds): \(total)")
        #expect(sizes == [3, 5], context)
        #expect(readModes == [.readIndex, .lease], context)
        #expect(profiles.count == RaftSimulationOptions.profiles.count, context)
        #expect(total.crashes > 0 && total.partitions > 0 && total.pauses > 0, context)
        #expect(total.compactions > 0 && total.snapshotsInstalled > 0 && total.transfers > 0, context)
        #expect(total.configChangesCommitted > 0, context)
        #expect(total.network.lost > 0 && total.network.duplicated > 0 && total.buggifyFirings > 0, context)
        #expect(total.readsServed > runs && total.writesApplied > runs, context)
    }
}
