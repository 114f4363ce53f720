@_spi(Testing) import KeelDataPlaneSimulation
@_spi(Testing) import KeelReplication
import Foundation

/// The knobs a developer sets from the shell, read once:
/// `KEEL_SIM_SEED=S` replays one seed (with its trace), `KEEL_SIM_SEEDS=N` sweeps N seeds,
/// `KEEL_SIM_BUG=a,b` / `KEEL_SIM_SUPERVISOR=v` / `KEEL_SIM_DRIFT_FACTOR=x` replay a
/// broken variant, `KEEL_SIM_TRACE=N` keeps N trace lines.
enum SimulationEnvironment {
    static let variables = ProcessInfo.processInfo.environment

    /// The seed to replay, if one was given.
    static var replaySeed: UInt64? { variables["KEEL_SIM_SEED"].flatMap { UInt64($0) } }

    /// Seeds in the sweep: 1,000 by default (the CI budget).
    static var sweepSeeds: Int { variables["KEEL_SIM_SEEDS"].flatMap { Int($0) } ?? 1_000 }

    static var traceLines: Int { variables["KEEL_SIM_TRACE"].flatMap { Int($0) } ?? (replaySeed == nil ? 0 : 400) }

    /// Options with the variant the environment names (none: the system as it is).
    static var options: DataPlaneSimulationOptions {
        var options = DataPlaneSimulationOptions()
        options.traceLines = traceLines
        if let bugs = variables["KEEL_SIM_BUG"] {
            options.replicaBugs = Set(bugs.split(separator: ",").compactMap { ReplicaInjectedBug(rawValue: String($0)) })
        }
        if let variant = variables["KEEL_SIM_SUPERVISOR"].flatMap(SupervisorVariant.init(rawValue:)) { options.supervisorVariant = variant }
        if let factor = variables["KEEL_SIM_DRIFT_FACTOR"].flatMap(Double.init) { options.driftFactor = factor }
        return options
    }
}
