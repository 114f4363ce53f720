@_spi(Testing) import KeelRaft
@_spi(Testing) import KeelSimulation
import Testing

/// The simulator must catch each deliberately broken variant of the Raft core within the
/// CI seed budget: otherwise passing seeds would prove nothing. Each bug runs under a
/// fault mix that gives it a chance to show; the search stops at the first failing seed.
@Suite struct SimulatorCatchesInjectedBugsTests {
    struct Case: Sendable, CustomStringConvertible {
        var bug: InjectedBug
        var shape: @Sendable (inout RaftSimulationOptions) -> Void
        var description: String { bug.rawValue }
    }

    static let cases: [Case] = [
        Case(bug: .voteWithoutLogCheck) { options in
            options.faults.crashProbability = 0.3
            options.faults.partitionProbability = 0.2
            options.faults.downtimeNanoseconds = 20_000_000...200_000_000
        },
        Case(bug: .commitOldTermByCounting) { options in
            // Figure 8: one entry per append, and leaders that die right after an election
            // or a commit, so old-term entries are often left on a minority.
            options.raft.maxMessageBytes = 64
            options.raft.maxInflightMessages = 1
            options.faults.leaderCrashProbability = 0.3
            options.faults.crashProbability = 0.2
            options.faults.partitionProbability = 0.2
            options.faults.downtimeNanoseconds = 20_000_000...200_000_000
        },
        Case(bug: .leaseReadWithoutCheckQuorum) { options in
            options.readMode = .lease
            options.raft.checkQuorum = false
            options.faults.partitionProbability = 0.3
        },
        Case(bug: .readIndexWithoutHeartbeat) { options in
            // Without CheckQuorum a deposed leader keeps believing it leads (correct
            // ReadIndex does not need CheckQuorum; the bug does).
            options.readMode = .readIndex
            options.raft.checkQuorum = false
            options.faults.partitionProbability = 0.3
        },
        Case(bug: .voteNotSynced) { options in
            options.nodeCount = 5
            options.raft.preVote = false
            options.disk = .loseUnsynced
            options.faults.roundNanoseconds = 20_000_000
            options.faults.crashProbability = 0.5
            options.faults.downtimeNanoseconds = 5_000_000...60_000_000
            options.faults.partitionProbability = 0.2
        },
    ]

    /// The cases to run: all, or the one `KEEL_SIM_BUG` names (its raw value).
    static var selectedCases: [Case] {
        guard let name = SimulationSeeds.environment["KEEL_SIM_BUG"] else { return cases }
        return cases.filter { $0.bug.rawValue == name }
    }

    static func run(_ bugCase: Case, seed: UInt64, withBug: Bool) -> RaftSimulationReport {
        var options = RaftSimulationOptions(seed: seed)
        bugCase.shape(&options)
        options.keepsTraceLines = SimulationSeeds.keepsTrace
        if withBug { options.raft.injectedBugs = [bugCase.bug] }
        var simulation = RaftSimulation(options: options)
        return simulation.run()
    }

    /// The first seed of the CI budget (or the replayed seed) whose run breaks a guarantee
    /// with the bug and keeps every guarantee without it: so the bug, not the fault mix, is
    /// what the simulator caught.
    @Test(arguments: selectedCases)
    func simulatorCatchesTheBug(_ bugCase: Case) {
        let seeds = SimulationSeeds.replaySeed.map { $0...$0 } ?? 1...SimulationSeeds.ciBudget
        var found: RaftSimulationReport?
        for seed in seeds where found == nil {
            let report = Self.run(bugCase, seed: seed, withBug: true)
            if !report.passed && Self.run(bugCase, seed: seed, withBug: false).passed { found = report }
        }
        guard let report = found, let violation = report.violation else {
            Issue.record("\(bugCase.bug.rawValue) was not caught in seeds \(seeds)")
            return
        }
        let replay = "KEEL_SIM_BUG=\(bugCase.bug.rawValue) KEEL_SIM_SEED=\(report.seed) swift test --filter \(Self.replayFilter)"
        print("\(bugCase.bug.rawValue): caught by seed \(report.seed): \(violation)\n  replay: \(replay)")
        if !report.traceLines.isEmpty { print(report.traceLines.joined(separator: "\n")) }
    }

    static let replayFilter = "SimulatorCatchesInjectedBugsTests/simulatorCatchesTheBug"

    /// The read bugs are caught by the `stale_read` invariant as soon as a stale read is
    /// confirmed; without that invariant, the clients' history must still betray them.
    @Test(arguments: selectedCases.filter { [.leaseReadWithoutCheckQuorum, .readIndexWithoutHeartbeat].contains($0.bug) })
    func theHistoryCheckerAloneCatchesStaleReads(_ bugCase: Case) throws {
        let seeds = SimulationSeeds.replaySeed.map { $0...$0 } ?? 1...100
        var found: RaftSimulationReport?
        for seed in seeds where found == nil {
            var options = RaftSimulationOptions(seed: seed)
            bugCase.shape(&options)
            options.raft.injectedBugs = [bugCase.bug]
            options.checksReadSafety = false
            var simulation = RaftSimulation(options: options)
            let report = simulation.run()
            if !report.passed { found = report }
        }
        let report = try #require(found, "\(bugCase.bug.rawValue): no violation in seeds \(seeds)")
        print("\(bugCase.bug.rawValue) without the stale_read invariant: seed \(report.seed): \(report.violation!)")
        #expect(report.violation?.kind == .linearizability)
    }

    /// The control: the same fault mixes without the bug pass, so what the test above
    /// catches is the bug, not the harness or an unsafe setting.
    @Test(arguments: selectedCases)
    func sameFaultMixWithoutTheBugPasses(_ bugCase: Case) {
        for seed in UInt64(1)...30 {
            let report = Self.run(bugCase, seed: seed, withBug: false)
            let passed = report.passed
            #expect(passed, Comment(rawValue: report.failureMessage(filter: "SimulatorCatchesInjectedBugsTests")))
        }
    }
}
