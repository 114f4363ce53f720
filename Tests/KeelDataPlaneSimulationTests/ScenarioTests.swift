@_spi(Testing) import KeelDataPlaneSimulation
import KeelSimulation
import Testing

/// The failures issue 5 names, each as a scripted story (no random nemesis; the network
/// still loses, duplicates and reorders), over a few seeds. Each run is checked like any
/// other; on top, each story checks that it really happened as told.
@Suite(.enabled(if: SimulationEnvironment.replaySeed == nil, "replaying one seed"))
struct ScenarioTests {
    static let seeds: [UInt64] = Array(0..<6)

    /// Options for a scripted story: no random faults.
    static func story(_ script: [ScriptedFault], replicas: ClosedRange<Int> = 2...3) -> DataPlaneSimulationOptions {
        var options = DataPlaneSimulationOptions()
        options.nemesis.isEnabled = false
        options.nemesis.crashDuringReconciliationProbability = 0
        options.nemesis.script = script
        options.replicas = replicas
        return options
    }

    /// Runs `options` for `seed`; a failing run is recorded as a failure and nil is
    /// returned, so the story's own checks run on clean runs only.
    func run(_ options: DataPlaneSimulationOptions, seed: UInt64) -> SimulationReport? {
        var simulation = DataPlaneSimulation(seed: seed, options: options)
        let report = simulation.run()
        guard report.passed else {
            recordFailure(report)
            return nil
        }
        return report
    }

    /// Writes acknowledged that were invoked at or after `time`.
    func acknowledgedWrites(in report: SimulationReport, after time: SimInstant) -> Int {
        report.history.records.count { record in
            guard record.invokedAt >= time, record.input != .get, case .returned(.written, _, _) = record.outcome else { return false }
            return true
        }
    }

    @Test("The primary crashes: the meta group fails over after the lease, and writes resume", arguments: seeds)
    func primaryCrash(seed: UInt64) throws {
        let crash = SimInstant.milliseconds(1_000)
        guard let report = run(Self.story([ScriptedFault(at: .milliseconds(1_000), .crashPrimary(downtime: .seconds(3)))]), seed: seed) else { return }
        #expect(report.statistics.count(ofFault: "crash_of_primary") == 1)
        #expect(report.statistics.count(ofCommand: "failover") >= 1)
        #expect(acknowledgedWrites(in: report, after: crash.advanced(by: .seconds(1))) > 0, "no write was acknowledged after the failover")
    }

    @Test("A backup crashes: it is removed or comes back, and writes go on", arguments: seeds)
    func backupCrash(seed: UInt64) throws {
        let crash = SimInstant.milliseconds(1_000)
        guard let report = run(Self.story([ScriptedFault(at: .milliseconds(1_000), .crashBackup(downtime: .milliseconds(1_500)))]), seed: seed)
        else { return }
        #expect(report.statistics.count(ofFault: "crash_of_backup") == 1)
        #expect(acknowledgedWrites(in: report, after: crash.advanced(by: .milliseconds(800))) > 0)
    }

    @Test("The primary is cut off from the meta group but not from clients: it serves until its lease ends, then the new primary takes over",
        arguments: seeds)
    func primaryPartitionedFromMeta(seed: UInt64) throws {
        let cut = SimInstant.milliseconds(1_000)
        let script = [ScriptedFault(at: .milliseconds(1_000), .partitionPrimaryFromMeta(lasting: .milliseconds(1_800)))]
        guard let report = run(Self.story(script), seed: seed) else { return }
        #expect(report.statistics.count(ofFault: PartitionKind.primaryFromMeta.rawValue) == 1)
        #expect(report.statistics.count(ofCommand: "failover") >= 1)
        // Clients still reach the old primary, which serves them while its lease lasts…
        let lease = Duration.milliseconds(Int64(DataPlaneSimulationOptions.simulationSettings.leaseMs))
        let servedWhileCut = report.history.records.count { record in
            guard case .returned(_, let at, _) = record.outcome else { return false }
            return record.invokedAt >= cut && at < cut.advanced(by: lease)
        }
        #expect(servedWhileCut > 0, "nobody was served while the primary was cut off and still held its lease")
        // …and after the failover the new primary serves.
        #expect(acknowledgedWrites(in: report, after: cut.advanced(by: .seconds(1))) > 0)
    }

    @Test("A backup's disk is slow: writes wait for it, none is acknowledged early", arguments: seeds)
    func slowBackupDisk(seed: UInt64) throws {
        let script = [ScriptedFault(at: .milliseconds(800), .slowDiskOnBackup(lasting: .milliseconds(1_200)))]
        guard let report = run(Self.story(script), seed: seed) else { return }
        #expect(report.statistics.count(ofFault: "slow_disk") == 1)
        #expect(acknowledgedWrites(in: report, after: .milliseconds(800)) > 0)
    }

    @Test("The new primary or a backup crashes during reconciliation", arguments: seeds)
    func crashDuringReconciliation(seed: UInt64) throws {
        var options = Self.story([ScriptedFault(at: .milliseconds(1_000), .crashPrimary(downtime: .seconds(2)))], replicas: 3...3)
        options.nemesis.crashDuringReconciliationProbability = 1
        guard let report = run(options, seed: seed) else { return }
        #expect(report.statistics.crashesDuringReconciliation >= 1)
    }
}
