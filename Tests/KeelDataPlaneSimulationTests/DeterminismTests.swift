@_spi(Testing) import KeelDataPlaneSimulation
import Testing

/// A seed names a run: the same seed and options replay the same events, faults, history
/// and verdict. (Within one process; the simulator never iterates a hashed collection in
/// an order that matters, so it holds across processes too.)
@Suite struct DataPlaneDeterminismTests {
    @Test(arguments: [UInt64(3), 20, 36])
    func theSameSeedReplaysTheSameRun(seed: UInt64) {
        var first = DataPlaneSimulation(seed: seed)
        var second = DataPlaneSimulation(seed: seed)
        let a = first.run()
        let b = second.run()
        #expect(a.statistics == b.statistics)
        #expect(a.violations == b.violations)
        #expect(a.history == b.history)
        #expect(a.statistics.events > 100)
    }

    @Test func differentSeedsDiffer() {
        var first = DataPlaneSimulation(seed: 1)
        var second = DataPlaneSimulation(seed: 2)
        #expect(first.run().statistics != second.run().statistics)
    }
}
