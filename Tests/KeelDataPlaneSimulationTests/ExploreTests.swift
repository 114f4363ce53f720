@_spi(Testing) import KeelDataPlaneSimulation
import Testing

@Suite struct ExploreTests {
    @Test func explore() {
        let count = SimulationEnvironment.variables["KEEL_SIM_EXPLORE"].flatMap { Int($0) } ?? 0
        let key = SimulationEnvironment.variables["KEEL_SIM_KEY"]
        var failures = 0
        for seed in 0..<UInt64(count) {
            var simulation = DataPlaneSimulation(seed: SimulationEnvironment.replaySeed ?? seed, options: SimulationEnvironment.options)
            let report = simulation.run()
            if !report.passed || count <= 5 { print(report) }
            if let key { print(report.history.render(key: key).joined(separator: "\n")) }
            if !report.passed { failures += 1 }
        }
        print("failures: \(failures)/\(count)")
        #expect(count >= 0)
    }
}
