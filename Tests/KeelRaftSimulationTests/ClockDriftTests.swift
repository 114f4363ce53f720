import KeelRaft
import KeelSimulation
import Testing

/// Lease reads rest on an assumption about clocks (docs/raft.md: over an election timeout
/// no follower's ticks run ahead of the leader's by the safety margin). Within it the
/// simulation's drifting clocks keep every lease read safe; far beyond it the simulation
/// must see a stale read, or its clocks would not be testing anything.
@Suite struct ClockDriftTests {
    /// Lease reads under partitions and frequent leadership transfers (the fastest clock
    /// tends to win elections; transfers put the slow one in charge too).
    static func shape(_ seed: UInt64, drifts: [Double]) -> RaftSimulationOptions {
        var options = RaftSimulationOptions(seed: seed)
        options.readMode = .lease
        options.clockDrifts = drifts
        options.clients.followerReadProbability = 0
        options.faults.transferProbability = 0.5
        options.faults.partitionProbability = 0.3
        options.faults.partitionNanoseconds = 30_000_000...150_000_000
        return options
    }

    static func firstFailure(drifts: [Double], seeds: ClosedRange<UInt64>) -> RaftSimulationReport? {
        for seed in SimulationSeeds.replaySeed.map({ $0...$0 }) ?? seeds {
            var simulation = RaftSimulation(options: shape(seed, drifts: drifts))
            let report = simulation.run()
            if !report.passed { return report }
        }
        return nil
    }

    @Test func aLeaderClockFarSlowerThanItsFollowersBreaksTheLease() throws {
        // n1 ticks at 1/1.8 of the nominal rate, n2 and n3 twice as fast as nominal.
        let report = try #require(Self.firstFailure(drifts: [0.8, -0.5, -0.5], seeds: 1...300), "no stale read in 300 seeds")
        print("slow leader clock: caught by seed \(report.seed): \(report.violation!)")
        #expect(report.violation?.kind == .staleRead)
    }

    @Test func clocksWithinTheMarginKeepLeaseReadsSafe() {
        let report = Self.firstFailure(drifts: [0.03, -0.03, -0.03], seeds: 1...100)
        let message = report.map { $0.failureMessage(filter: "ClockDriftTests") } ?? ""
        let failed = report != nil
        #expect(!failed, Comment(rawValue: message))
    }
}
