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
        var known: [String: [UInt64]] = [:]
        for seed in seeds {
            var simulation = DataPlaneSimulation(seed: UInt64(seed), options: SimulationEnvironment.options)
            let report = simulation.run()
            #expect(report.statistics.events > 0, "seed \(seed) did nothing")
            if report.passed {
                passed += 1
            } else {
                if let bug = KnownCoreBug.explaining(report) { known[bug.rawValue, default: []].append(report.seed) }
                recordFailure(report)
            }
        }
        let knownList = known.keys.sorted().map { "\($0): seeds \(known[$0]!.map(String.init).joined(separator: ","))" }
        print("sweep chunk \(chunk): \(seeds.count) seeds, \(passed) passed; known core bugs: \(knownList.joined(separator: "; "))")
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

/// Records a failing seed: as a known issue when one bug of BUGS.md explains it, as a
/// test failure otherwise.
func recordFailure(_ report: SimulationReport, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = report.description
    if let bug = KnownCoreBug.explaining(report) {
        withKnownIssue("\(bug.rawValue) (BUGS.md): \(bug.summary)") {
            Issue.record("\(text)", sourceLocation: sourceLocation)
        }
    } else {
        Issue.record("\(text)", sourceLocation: sourceLocation)
    }
}
