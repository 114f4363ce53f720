@_spi(Testing) import KeelDataPlaneSimulation
import Testing

/// The random nemesis does produce every fault the simulation promises, and the cluster
/// does go through the transitions they should cause. Counted over a bounded set of seeds.
@Suite(.enabled(if: SimulationEnvironment.replaySeed == nil, "replaying one seed"))
struct CoverageTests {
    @Test func everyFaultAndTransitionHappens() {
        var faults: [String: Int] = [:]
        var commands: [String: Int] = [:]
        var messages: [String: Int] = [:]
        var duringReconciliation = 0
        var acknowledged = 0
        var unknown = 0
        for seed in UInt64(5_000)..<5_060 {
            var simulation = DataPlaneSimulation(seed: seed)
            let report = simulation.run()
            faults.merge(report.statistics.faults, uniquingKeysWith: +)
            commands.merge(report.statistics.commands, uniquingKeysWith: +)
            messages.merge(report.statistics.messagesByKind, uniquingKeysWith: +)
            duringReconciliation += report.statistics.crashesDuringReconciliation
            acknowledged += report.statistics.acknowledged
            unknown += report.statistics.unknownOutcome
        }
        let expectedFaults =
            ["crash_of_primary", "crash_of_backup", "restart", "slow_disk", "clock_drift", "meta_leader_change"]
            + PartitionKind.allCases.map(\.rawValue)
        for fault in expectedFaults { #expect(faults[fault, default: 0] > 0, "no \(fault) in 60 seeds") }
        for command in ["place_shard", "failover", "remove_replica", "add_learner", "promote_learner"] {
            #expect(commands[command, default: 0] > 0, "no \(command) in 60 seeds")
        }
        for kind in ["prepare", "prepare_gap", "reconcile", "snapshot", "stale_epoch"] {
            #expect(messages[kind, default: 0] > 0, "no \(kind) message in 60 seeds")
        }
        #expect(duringReconciliation > 0)
        #expect(acknowledged > unknown, "clients mostly got answers")
        #expect(unknown > 0, "some operations ended with an unknown outcome")
    }
}
