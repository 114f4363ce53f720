import KeelCluster
import KeelTypes

extension DataPlaneSimulation {
    /// Schedules the nemesis's next strike.
    mutating func scheduleNemesis() {
        let delay = Duration.microseconds(Int64(nemesisRandom.uint64(in: options.nemesis.intervalMicroseconds)))
        queue.schedule(.nemesis, at: now.advanced(by: delay))
    }

    /// Picks one fault, by weight, among those that apply now.
    mutating func strike() {
        let weights = options.nemesis
        let choices: [(weight: Int, pick: (inout DataPlaneSimulation) -> Fault?)] = [
            (weights.crashWeight, { $0.chooseCrash() }),
            (weights.partitionWeight, { $0.choosePartition() }),
            (weights.slowDiskWeight, { $0.chooseSlowDisk() }),
            (weights.clockWeight, { $0.chooseClockDrift() }),
            (weights.metaLeaderChangeWeight, { _ in .metaLeaderChange }),
        ]
        let total = choices.reduce(0) { $0 + max(0, $1.weight) }
        guard total > 0 else { return }
        var roll = Int(nemesisRandom.below(UInt64(total)))
        for choice in choices {
            roll -= max(0, choice.weight)
            guard roll < 0 else { continue }
            if let fault = choice.pick(&self) { queue.schedule(.fault(fault), at: now) }
            return
        }
    }

    /// Nodes may be down at once: fewer than a shard's copies, so that data stays reachable.
    var maxNodesDown: Int { max(1, replicas - 1) }
    var downNodes: [Int] { nodes.indices.filter { !nodes[$0].up } }

    private mutating func chooseCrash() -> Fault? {
        guard downNodes.count < maxNodesDown else { return nil }
        // Primaries are the interesting victims: prefer them half of the time.
        let primaries = meta.map.shardsInKeyOrder.compactMap { $0.primary }.compactMap { topology.index(of: $0) }.filter { nodes[$0].up }
        let candidates = nemesisRandom.chance(0.5) && !primaries.isEmpty ? primaries : nodes.indices.filter { nodes[$0].up }
        return nemesisRandom.pick(candidates).map { .crash(node: $0, duringReconciliation: false, downtime: nil) }
    }

    private mutating func choosePartition() -> Fault? {
        guard let kind = nemesisRandom.pick(PartitionKind.allCases) else { return nil }
        let primary = nemesisRandom.pick(meta.map.shardsInKeyOrder)?.primary.flatMap { topology.index(of: $0) }
        let targetsPrimary = kind == .primaryFromMeta || kind == .primaryFromMetaAndBackups || nemesisRandom.chance(0.7)
        guard let victim = targetsPrimary ? primary : Int(nemesisRandom.below(UInt64(nodes.count))) else { return nil }
        let node = Endpoint.node(victim)
        var links = Set<DataPlaneNetwork.Link>()
        func cut(_ a: Endpoint, _ b: Endpoint) {
            links.insert(DataPlaneNetwork.Link(from: a, to: b))
            links.insert(DataPlaneNetwork.Link(from: b, to: a))
        }
        switch kind {
        case .isolateNode:
            for other in [.meta] + nodes.indices.map(Endpoint.node) + topology.clientEndpoints where other != node { cut(node, other) }
        case .primaryFromMeta:
            cut(node, .meta)
        case .primaryFromMetaAndBackups:
            cut(node, .meta)
            for other in nodes.indices where other != victim { cut(node, .node(other)) }
        case .nodeToMetaOneWay:
            links.insert(DataPlaneNetwork.Link(from: node, to: .meta))
        case .metaToNodeOneWay:
            links.insert(DataPlaneNetwork.Link(from: .meta, to: node))
        case .nodeToNodeOneWay:
            let others = nodes.indices.filter { $0 != victim }
            guard let other = nemesisRandom.pick(others) else { return nil }
            links.insert(nemesisRandom.chance(0.5) ? DataPlaneNetwork.Link(from: node, to: .node(other)) : DataPlaneNetwork.Link(from: .node(other), to: node))
        }
        return .partition(kind, links: links, lasting: randomDuration(options.nemesis.durationMicroseconds))
    }

    private mutating func chooseSlowDisk() -> Fault? {
        let healthy = nodes.indices.filter { !nodes[$0].slowDisk }
        return nemesisRandom.pick(healthy).map { .slowDisk(node: $0, lasting: randomDuration(options.nemesis.durationMicroseconds)) }
    }

    private mutating func chooseClockDrift() -> Fault? {
        let maxDrift = Int(options.maxDriftPPM)
        let target: Int? = nemesisRandom.chance(0.2) ? nil : Int(nemesisRandom.below(UInt64(nodes.count)))
        // Half the time an extreme rate: the edges of the bound are where lease bugs live.
        let ppm = nemesisRandom.chance(0.5) ? (nemesisRandom.chance(0.5) ? maxDrift : -maxDrift) : nemesisRandom.int(in: -maxDrift...maxDrift)
        return .clockDrift(node: target, ppm: Int64(ppm))
    }

    mutating func randomDuration(_ microseconds: ClosedRange<UInt64>) -> Duration {
        .microseconds(Int64(nemesisRandom.uint64(in: microseconds)))
    }

    /// The fault a scripted action means now, if its target exists.
    mutating func resolve(_ action: ScriptedFault.Action) -> Fault? {
        // The first shard with a backup (a shard may be between configurations).
        let shards = meta.map.shardsInKeyOrder
        let shard = shards.first { !$0.backups.isEmpty } ?? shards.first
        let primary = shard?.primary.flatMap { topology.index(of: $0) }
        // Preferably a backup that is no shard's primary, so the crash is one of a backup only.
        let primaries = Set(shards.compactMap(\.primary))
        let backup = (shard?.backups.first { !primaries.contains($0) } ?? shard?.backups.first).flatMap { topology.index(of: $0) }
        switch action {
        case .crashPrimary(let downtime): return primary.map { .crash(node: $0, duringReconciliation: false, downtime: downtime) }
        case .crashBackup(let downtime): return backup.map { .crash(node: $0, duringReconciliation: false, downtime: downtime) }
        case .partitionPrimaryFromMeta(let lasting):
            guard let primary else { return nil }
            let links: Set<DataPlaneNetwork.Link> = [
                DataPlaneNetwork.Link(from: .node(primary), to: .meta), DataPlaneNetwork.Link(from: .meta, to: .node(primary)),
            ]
            return .partition(.primaryFromMeta, links: links, lasting: lasting)
        case .slowDiskOnBackup(let lasting):
            return backup.map { .slowDisk(node: $0, lasting: lasting) }
        }
    }

    // MARK: Applying faults

    /// Applies a fault; returns the endpoint whose effects follow (a restarted node's timers).
    mutating func apply(_ fault: Fault, _ effects: inout Effects) -> Endpoint {
        switch fault {
        case .crash(let index, let duringReconciliation, let downtime):
            guard nodes[index].up, inFaultPhase else { return .meta }
            let reconciling = isReconciling(nodes[index].id)
            if reconciling { statistics.crashesDuringReconciliation += 1 }
            count(duringReconciliation ? "crash_after_failover" : "crash")
            count(crashedRole(nodes[index].id))
            trace.record(now, "fault: crash \(nodes[index].id)\(reconciling ? " during reconciliation" : "")")
            nodes[index].crash()
            let down = downtime ?? randomDuration(options.nemesis.downtimeMicroseconds)
            queue.schedule(.fault(.restart(node: index)), at: now.advanced(by: down))
        case .restart(let index):
            guard !nodes[index].up else { return .meta }
            count("restart")
            trace.record(now, "fault: restart \(nodes[index].id)")
            nodes[index].restart(at: now, &effects)
            return .node(index)
        case .partition(let kind, let links, let lasting):
            count(kind.rawValue)
            let id = network.partition(kind, blocking: links)
            trace.record(now, "fault: partition \(kind.rawValue) #\(id) \(links.map { "\($0.from)→\($0.to)" }.sorted().joined(separator: " "))")
            queue.schedule(.fault(.heal(partition: id)), at: now.advanced(by: lasting))
        case .heal(let id):
            trace.record(now, "fault: heal partition #\(id)")
            network.heal(id)
        case .slowDisk(let index, let lasting):
            count("slow_disk")
            trace.record(now, "fault: slow disk on \(nodes[index].id)")
            nodes[index].slowDisk = true
            queue.schedule(.fault(.diskRecovers(node: index)), at: now.advanced(by: lasting))
        case .diskRecovers(let index):
            nodes[index].slowDisk = false
        case .clockDrift(let index, let ppm):
            count("clock_drift")
            trace.record(now, "fault: clock of \(index.map { nodes[$0].id.rawValue } ?? "meta") runs at \(ppm) ppm")
            if let index { nodes[index].clock.setDrift(ppm, at: now) } else { meta.clock.setDrift(ppm, at: now) }
        case .metaLeaderChange:
            count("meta_leader_change")
            trace.record(now, "fault: meta leader change")
            meta.changeLeader(at: now)
        }
        return .meta
    }

    /// What the map says the crashed node was: `crash_of_primary`, `crash_of_backup`, …
    func crashedRole(_ node: DataNodeID) -> String {
        let shards = meta.map.shardsInKeyOrder
        if shards.contains(where: { $0.primary == node }) { return "crash_of_primary" }
        if shards.contains(where: { $0.backups.contains(node) }) { return "crash_of_backup" }
        if shards.contains(where: { $0.learners.contains(node) }) { return "crash_of_learner" }
        return "crash_of_spare"
    }

    /// Whether `node` is in the configuration of a shard whose primary has not served yet
    /// at the shard's current epoch: a new primary still reconciling.
    func isReconciling(_ node: DataNodeID) -> Bool {
        meta.map.shardsInKeyOrder.contains { shard in
            shard.primary != nil && shard.configuration.contains(node) && !serving.hasServed(shard.id, at: shard.epoch)
        }
    }

    private mutating func count(_ fault: String) { statistics.faults[fault, default: 0] += 1 }

    /// After a failover, sometimes crash the new primary or one of its backups a moment
    /// later: a crash during reconciliation.
    mutating func maybeCrashDuringReconciliation(_ shard: ShardDescriptor) {
        guard inFaultPhase, nemesisRandom.chance(options.nemesis.crashDuringReconciliationProbability),
            let victim = nemesisRandom.pick(shard.configuration).flatMap({ topology.index(of: $0) })
        else { return }
        guard downNodes.count < maxNodesDown else { return }
        let delay = randomDuration(options.nemesis.reconciliationCrashDelayMicroseconds)
        queue.schedule(.fault(.crash(node: victim, duringReconciliation: true, downtime: nil)), at: now.advanced(by: delay))
    }

    /// Clients stop issuing operations, every partition heals, disks recover and crashed
    /// nodes restart; the cluster then has the settle phase to recover.
    mutating func endFaultPhase(_ effects: inout Effects) {
        inFaultPhase = false
        trace.record(now, "fault phase over: healing everything")
        network.healAll()
        for index in clients.indices { clients[index].stop() }
        for index in nodes.indices {
            nodes[index].slowDisk = false
            guard !nodes[index].up else { continue }
            var restartEffects = Effects()
            nodes[index].restart(at: now, &restartEffects)
            carryOut(restartEffects, from: .node(index))
        }
    }
}
