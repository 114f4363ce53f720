import Foundation
import KeelSimulation

/// Which seeds the simulation tests run, from the environment:
/// * `KEEL_SIM_SEED=S` replays seed S alone;
/// * `KEEL_SIM_SEEDS=N` runs seeds 1...N;
/// * otherwise the CI budget, seeds 1...2000.
/// `KEEL_SIM_TRACE=1` keeps the last events of each run, printed when a run fails.
enum SimulationSeeds {
    static let ciBudget: UInt64 = 2_000
    /// Seeds per test case: cases run in parallel, and each reports on its batch.
    static let chunkSize: UInt64 = 100

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var replaySeed: UInt64? { environment["KEEL_SIM_SEED"].flatMap { UInt64($0) } }

    static var count: UInt64 { environment["KEEL_SIM_SEEDS"].flatMap { UInt64($0) } ?? ciBudget }

    static var keepsTrace: Bool { environment["KEEL_SIM_TRACE"] == "1" }

    /// The seeds to run, in batches of `chunkSize`.
    static var chunks: [ClosedRange<UInt64>] {
        if let seed = replaySeed { return [seed...seed] }
        return stride(from: 1, through: count, by: Int(chunkSize)).map { $0...min($0 + chunkSize - 1, count) }
    }

    /// The options of seed `seed`, with the trace kept when asked.
    static func options(_ seed: UInt64) -> RaftSimulationOptions {
        var options = RaftSimulationOptions.forSeed(seed)
        options.keepsTraceLines = keepsTrace
        return options
    }
}
