import KeelSimulation
import KeelTypes

extension DataPlaneSimulation {
    /// A report shows at most this many operations of a non-linearizable key.
    static let maxHistoryLinesInReport = 40

    /// The checks at the end of a run, after the settle phase: every shard has a serving
    /// primary; the final reads (added to the history) show no acknowledged write lost;
    /// replicas at the same applied LSN hold the same data; the history is linearizable.
    mutating func finalChecks() {
        let primaries = servingPrimaries()
        for key in options.keys.sorted() {
            let bytes = Array(key.utf8)
            guard let shard = meta.map.shard(owning: bytes), let index = primaries[shard.id] else { continue }
            let entry = nodes[index].disks[shard.id]?.store[bytes]
            let final: SimKV.Output =
                entry.map { .found(String(decoding: $0.value, as: UTF8.self), version: $0.version.rawValue) } ?? .notFound
            let read = history.invoke(client: OperationHistory.finalReader, key: key, input: .get, at: now)
            history.complete(read, final, at: now)
            if let violation = AcknowledgedWritesCheck.check(key: key, final: final, history: history, at: now) {
                violations.append(violation)
            }
        }
        checkConvergence(primaries)
        checkLinearizability()
    }

    /// The node serving each shard now; a shard without one is a liveness violation.
    private mutating func servingPrimaries() -> [ShardID: Int] {
        var primaries: [ShardID: Int] = [:]
        for shard in meta.map.shardsInKeyOrder {
            if let primary = shard.primary, let index = topology.index(of: primary),
                nodes[index].servingShards(at: now).contains(where: { $0.shard == shard.id })
            {
                primaries[shard.id] = index
                continue
            }
            let states = nodes.map { node in
                guard let replica = node.replicas[shard.id] else { return "\(node.id) \(node.up ? "-" : "down")" }
                let serving = replica.servingError(now: node.now(now)).map { "\($0.code) (\($0.message))" } ?? "serving"
                return "\(node.id) \(replica.role.rawValue)@\(replica.descriptor.epoch) \(serving) durable \(replica.durable) committed \(replica.committed)"
            }
            violations.append(Violation(
                .noServingPrimary, at: now,
                "shard \(Self.render(shard)) has no serving primary \(options.settlePhase) after every fault healed; "
                    + states.joined(separator: "; ")))
        }
        return primaries
    }

    /// Every replica of a shard whose store applied the same LSN as the primary's holds
    /// the same data.
    private mutating func checkConvergence(_ primaries: [ShardID: Int]) {
        for (shard, primary) in primaries.sorted(by: { $0.key < $1.key }) {
            guard let reference = nodes[primary].disks[shard] else { continue }
            for node in nodes where node.index != primary {
                guard let disk = node.disks[shard], disk.storeApplied == reference.storeApplied, disk.store != reference.store else { continue }
                violations.append(Violation(
                    .replicasDiverged, at: now,
                    "shard \(shard): \(node.id) and the primary \(nodes[primary].id) both applied through \(disk.storeApplied) but hold different data"))
            }
        }
    }

    private mutating func checkLinearizability() {
        let checker = LinearizabilityChecker(model: SimKV())
        switch checker.check(history.checkerOperations) {
        case .linearizable:
            break
        case .notLinearizable(let violation):
            let lines = history.render(key: violation.key)
            let shown = lines.suffix(Self.maxHistoryLinesInReport).map { "    \($0)" }.joined(separator: "\n")
            let details = "\(violation.description)\n  the key's history in real time (last \(min(lines.count, Self.maxHistoryLinesInReport)) of \(lines.count)):\n\(shown)"
            violations.append(Violation(.notLinearizable, at: now, key: violation.key, details))
        case .unknown(let keys):
            statistics.undecidedKeys = keys
        }
    }
}
