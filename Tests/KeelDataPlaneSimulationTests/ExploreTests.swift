@_spi(Testing) import KeelDataPlaneSimulation
import Testing

@Suite struct ExploreTests {
    @Test func explore() {
        let count = SimulationEnvironment.variables["KEEL_SIM_EXPLORE"].flatMap { Int($0) } ?? 0
        let key = SimulationEnvironment.variables["KEEL_SIM_KEY"]
        var failures = 0
        var known: [String: Int] = [:]
        for seed in 0..<UInt64(count) {
            var simulation = DataPlaneSimulation(seed: SimulationEnvironment.replaySeed ?? seed, options: SimulationEnvironment.options)
            let report = simulation.run()
            let bug = KnownCoreBug.explaining(report)
            if !report.passed { known[bug?.rawValue ?? "UNKNOWN", default: 0] += 1 }
            if (!report.passed && bug == nil) || count <= 5 { print(report) }
            if let key { print(report.history.render(key: key).joined(separator: "\n")) }
            if !report.passed { failures += 1 }
        }
        print("failures: \(failures)/\(count) \(known)")
        #expect(count >= 0)
    }
}
