import KeelRaft
import KeelSimulation
import Testing

/// Raft problems the simulator found that are not fixed yet (RAFT-BUGS.md). Each test
/// reproduces its bug and is marked as a known issue: when the bug is fixed the known issue
/// stops occurring, the test fails, and the marker should go.
@Suite struct KnownRaftBugTests {
    /// RAFT-BUG-1: a shell that writes an output's entries and then its hard state as two
    /// writes (as `KeelRaftStorage.persist` does) can crash between them; the entries of the
    /// new term are on disk, the hard state still names the old term, and `RaftNode.init`
    /// refuses that disk (`invalid_bootstrap`), so the node can never restart.
    @Test func entriesWithoutTheirHardStateMakeANodeUnrestartable() {
        let found = Self.firstFailure(seeds: 1...1000) { options in
            options.persistence = .entriesThenHardState
        }
        withKnownIssue("RAFT-BUG-1: RaftNode.init rejects a disk whose entries are newer than its hard state") {
            if let report = found {
                print("RAFT-BUG-1 reproduced by seed \(report.seed): \(report.violation!)")
                Issue.record(Comment(rawValue: report.failureMessage(filter: "KnownRaftBugTests")))
            }
        }
        // The same seeds with one record per output keep every invariant.
        if let report = found {
            var options = Self.shape(report.seed)
            options.persistence = .oneRecordPerOutput
            var simulation = RaftSimulation(options: options)
            let control = simulation.run()
            let passed = control.passed
            #expect(passed, Comment(rawValue: control.failureMessage(filter: "KnownRaftBugTests")))
        }
    }

    /// Joins and crashes in the middle of writes: a learner that hears of a new term by the
    /// same append that brings it entries writes both in one output.
    static func shape(_ seed: UInt64) -> RaftSimulationOptions {
        var options = RaftSimulationOptions(seed: seed)
        options.nodeCount = 3
        options.disk = DiskFaults(keepUnsyncedPrefixProbability: 1, tearProbability: 0)
        options.buggify = Buggify.Settings(enabled: true, siteActivationProbability: 1, fireProbability: 0.3)
        options.faults.membershipChangeProbability = 0.3
        options.faults.spareNodes = 3
        options.faults.crashProbability = 0.2
        options.faults.leaderCrashProbability = 0.2
        options.faults.partitionProbability = 0.1
        return options
    }

    static func firstFailure(
        seeds: ClosedRange<UInt64>, _ adjust: (inout RaftSimulationOptions) -> Void
    ) -> RaftSimulationReport? {
        for seed in SimulationSeeds.replaySeed.map({ $0...$0 }) ?? seeds {
            var options = shape(seed)
            adjust(&options)
            var simulation = RaftSimulation(options: options)
            let report = simulation.run()
            if !report.passed { return report }
        }
        return nil
    }
}
