@_spi(Testing) import KeelDataPlaneSimulation
@_spi(Testing) import KeelReplication
import Testing

/// The checks can fail: each deliberately broken variant is caught within the CI budget.
///
/// A variant counts as caught by a seed whose run with the system as it is passes, and
/// whose run with the variant shows a safety violation; lease variants must show the
/// violation they cause: two replicas serving at once.
@Suite struct DataPlaneInjectedBugTests {
    /// Seeds searched per variant: a bound, and well under the sweep's budget.
    static let searchBudget: UInt64 = 300

    @Test(
        "Each injected replica bug is caught", .enabled(if: SimulationEnvironment.replaySeed == nil, "replaying one seed"),
        arguments: ReplicaInjectedBug.allCases)
    func replicaBug(_ bug: ReplicaInjectedBug) throws {
        var broken = DataPlaneSimulationOptions()
        broken.replicaBugs = [bug]
        let catch_ = try #require(firstCatch(broken, showing: Self.isSafetyViolation), "\(bug.rawValue) was not caught in \(Self.searchBudget) seeds")
        print("\(bug.rawValue) caught by seed \(catch_.seed): \(catch_.violations.map(\.kind.rawValue)); replay: \(catch_.replayCommand)")
        #expect(!catch_.passed)
    }

    @Test(
        "A supervisor that fails over without waiting out the lease is caught",
        .enabled(if: SimulationEnvironment.replaySeed == nil, "replaying one seed"))
    func eagerFailover() throws {
        var broken = DataPlaneSimulationOptions()
        broken.supervisorVariant = .failoverWithoutLeaseWait
        let catch_ = try #require(firstCatch(broken, showing: { violation, _ in violation.kind == .twoServingReplicas }), "the eager failover was not caught in \(Self.searchBudget) seeds")
        print("failover_without_lease_wait caught by seed \(catch_.seed): \(catch_.violations.map(\.kind.rawValue)); replay: \(catch_.replayCommand)")
        #expect(catch_.violations.contains { $0.kind == .twoServingReplicas })
    }

    @Test(
        "Clocks drifting beyond the configured bound break the lease, and the check sees it",
        .enabled(if: SimulationEnvironment.replaySeed == nil, "replaying one seed"))
    func driftBeyondTheBound() throws {
        var broken = DataPlaneSimulationOptions()
        broken.driftFactor = 4
        let catch_ = try #require(firstCatch(broken, showing: { violation, _ in violation.kind == .twoServingReplicas }), "drift 4x the bound was not caught in \(Self.searchBudget) seeds")
        print("drift 4x caught by seed \(catch_.seed): \(catch_.violations.map(\.kind.rawValue)); replay: \(catch_.replayCommand)")
        #expect(catch_.violations.contains { $0.kind == .twoServingReplicas })
    }

    /// The first seed that passes as the system is and, with `broken`, shows a violation
    /// `showing` accepts.
    func firstCatch(_ broken: DataPlaneSimulationOptions, showing wanted: (Violation, SimulationReport) -> Bool) -> SimulationReport? {
        for seed in 0..<Self.searchBudget {
            var withBug = DataPlaneSimulation(seed: seed, options: broken)
            let report = withBug.run()
            guard report.violations.contains(where: { wanted($0, report) }) else { continue }
            var asIs = DataPlaneSimulation(seed: seed, options: DataPlaneSimulationOptions())
            let reference = asIs.run()
            if reference.passed { return report }
        }
        return nil
    }

    /// A broken guarantee, not a liveness symptom.
    static func isSafetyViolation(_ violation: Violation, in report: SimulationReport) -> Bool {
        let liveness: Set<Violation.Kind> = [.noServingPrimary, .eventBoundReached, .shellContract]
        return !liveness.contains(violation.kind)
    }
}
