import KeelCluster
import KeelTypes

extension DataPlaneSimulation {
    /// Records what a component noticed: violations, and applied meta commands (a failover
    /// may arm a crash during the new primary's reconciliation).
    mutating func record(_ notice: Notice) {
        switch notice {
        case .violation(let violation):
            violations.append(violation)
        case .truncated(let dropped, let shard, let node, let role, let epoch):
            // Dropping a committed record is the stronger finding; report that one alone.
            if let violation = appliedLog.truncated(dropped, shard: shard, on: node, role: role, at: now)
                ?? acknowledgements.truncated(dropped, shard: shard, node: node, role: role, epoch: epoch, at: now)
            {
                violations.append(violation)
            }
        case .answeredFromUncommittedState(let key):
            statistics.keysAnsweredFromUncommittedState.insert(String(decoding: key, as: UTF8.self))
        case .recordApplied(let record, let shard, let node):
            if let violation = appliedLog.applied(record, shard: shard, on: node, at: now) { violations.append(violation) }
            checkCommitCoverage(record, shard: shard, committedBy: node)
        case .applied(let command, let before, let after):
            statistics.commands[command.name, default: 0] += 1
            trace.record(now, "meta applied \(command.name): \(before.map(Self.render) ?? "-") ⇒ \(after.map(Self.render) ?? "-")")
            if let after { checkJoinCoverage(command, after: after) }
            if case .failover = command, let after { maybeCrashDuringReconciliation(after) }
        }
    }

    static func render(_ shard: ShardDescriptor) -> String {
        let learners = shard.learners.isEmpty ? "" : " learners \(shard.learners.map(\.rawValue).joined(separator: ","))"
        return "\(shard.id)@\(shard.epoch) primary \(shard.primary?.rawValue ?? "-") backups \(shard.backups.map(\.rawValue).joined(separator: ","))\(learners)"
    }

    func report() -> SimulationReport {
        var statistics = statistics
        statistics.simulatedMilliseconds = now.nanoseconds / 1_000_000
        statistics.operations = history.records.count
        statistics.acknowledged = history.acknowledgedCount
        statistics.unknownOutcome = history.unknownCount
        statistics.servedEpochs = serving.servedEpochs.count
        return SimulationReport(
            seed: seed, dataNodes: nodes.count, shards: shardCount, replicas: replicas, violations: violations,
            statistics: statistics, history: history, trace: trace.recent, replayCommand: options.replayCommand(seed: seed))
    }
}
