@_spi(Testing) import KeelDataPlaneSimulation
import Testing

/// The CI sweep: `KEEL_SIM_SEEDS` seeds (1,000 by default), in parallel chunks, each run
/// checked for every violation the simulation knows. A failing seed prints its report and
/// the one-line replay command. `KEEL_SIM_SEED=S` replays one seed with its trace instead.
@Suite struct SeedSweepTests {
    static let chunks = 8

    @Test(
        "Data-plane simulation over many seeds", .enabled(if: SimulationEnvironment.replaySeed == nil, "KEEL_SIM_SEED replays one seed instead"),
        arguments: 0..<chunks)
    func sweep(chunk: Int) {
        let seeds = Array(stride(from: chunk, to: SimulationEnvironment.sweepSeeds, by: Self.chunks))
        var passed = 0
        for seed in seeds {
            var simulation = DataPlaneSimulation(seed: UInt64(seed), options: SimulationEnvironment.options)
            let report = simulation.run()
            #expect(report.statistics.events > 0, "seed \(seed) did nothing")
            if report.passed {
                passed += 1
            } else {
                recordFailure(report)
            }
        }
        print("sweep chunk \(chunk): \(seeds.count) seeds, \(passed) passed")
    }

    /// Seeds that once failed (docs/dataplane-simulation-bugs.md), run whatever the sweep's
    /// size: 112 and 48 are BUG-7; 9576 (found by a 10,000-seed sweep) is BUG-8.
    @Test(
        "Seeds that once failed", .enabled(if: SimulationEnvironment.replaySeed == nil, "KEEL_SIM_SEED replays one seed instead"),
        arguments: [UInt64(112), 48, 9576])
    func regression(seed: UInt64) {
        var simulation = DataPlaneSimulation(seed: seed, options: SimulationEnvironment.options)
        let report = simulation.run()
        if !report.passed { recordFailure(report) }
        #expect(report.statistics.events > 0)
    }

    @Test("Replay one seed (KEEL_SIM_SEED)", .enabled(if: SimulationEnvironment.replaySeed != nil, "set KEEL_SIM_SEED to replay a seed"))
    func replay() throws {
        let seed = try #require(SimulationEnvironment.replaySeed)
        var simulation = DataPlaneSimulation(seed: seed, options: SimulationEnvironment.options)
        let report = simulation.run()
        print(report)
        if let key = SimulationEnvironment.variables["KEEL_SIM_KEY"] { print(report.history.render(key: key).joined(separator: "\n")) }
        if !report.passed { recordFailure(report) }
        #expect(report.statistics.events > 0)
    }
}

/// Records a failing seed as a test failure, with its report and replay command.
func recordFailure(_ report: SimulationReport, sourceLocation: SourceLocation = #_sourceLocation) {
    Issue.record("\(report.description)", sourceLocation: sourceLocation)
}
