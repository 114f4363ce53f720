import KeelCluster
import KeelReplication
import KeelSimulation
import KeelTypes

/// A deterministic simulation of Keel's data plane: one meta leader (`ClusterMap` +
/// `MetaSupervisor`), three or four data nodes holding `ShardReplica`s of one or two
/// shards, and clients, over a faulty network, faulty disks and drifting clocks, all
/// driven by one seed.
///
/// `run()` plays a fault phase (clients work, the nemesis crashes and restarts nodes,
/// partitions links, slows disks, skews clocks and changes the meta leader), then heals
/// everything and lets the cluster settle, then checks. Checked after every event: the
/// cluster map's invariants (after every applied command) and that at most one replica
/// per shard may serve at any real instant. At the end: every shard has a serving primary,
/// every acknowledged write is what the final primary holds (unless a later write replaced
/// it), replicas that applied the same log hold the same data, and the whole history is
/// linearizable per key. The same seed and options always replay the same run.
public struct DataPlaneSimulation: Sendable {
    public let seed: UInt64
    public let options: DataPlaneSimulationOptions
    let topology: Topology
    let replicas: Int
    let shardCount: Int

    var now = SimInstant.zero
    var queue: EventQueue<SimEvent>
    var network: DataPlaneNetwork
    var nodes: [SimDataNode]
    var meta: SimMetaLeader
    var clients: [SimClient]
    var history = OperationHistory()
    var nemesisRandom: SimRandom
    var serving = ServingMonitor()
    var appliedLog = AppliedLogMonitor()
    var acknowledgements = AcknowledgementMonitor()
    /// Replicas ("shard/node") whose `reconcileReply` named a log end they had not made
    /// durable yet, with the highest such end.
    var repliedBeyondDurable: [String: LSN] = [:]
    var statistics = SimulationStatistics()
    var violations: [Violation] = []
    var trace: TraceBuffer
    var inFaultPhase = true
    var finished = false

    public init(seed: UInt64, options: DataPlaneSimulationOptions = DataPlaneSimulationOptions()) {
        self.seed = seed
        self.options = options
        let root = SimRandom(seed: seed)
        var draw = root.derive(stream: 1)
        let nodeCount = draw.int(in: options.dataNodes)
        shardCount = draw.int(in: options.shards)
        replicas = min(draw.int(in: options.replicas), nodeCount)
        let topology = Topology(dataNodes: nodeCount, clients: options.clients)
        self.topology = topology
        queue = EventQueue(capacity: options.maxQueuedEvents)
        network = DataPlaneNetwork(faults: options.network, random: root.derive(stream: 2))
        nemesisRandom = root.derive(stream: 3)
        trace = TraceBuffer(capacity: options.traceLines)

        var clocks = root.derive(stream: 4)
        let maxDrift = options.maxDriftPPM
        func clock() -> DriftingClock {
            DriftingClock(origin: clocks.uint64(in: 1_000_000_000...1_000_000_000_000), driftPPM: Int64(clocks.int(in: Int(-maxDrift)...Int(maxDrift))))
        }
        var settings = options.settings
        settings.replicas = replicas
        meta = SimMetaLeader(
            map: Self.bootstrapMap(settings: settings, shards: shardCount, topology: topology), topology: topology, clock: clock(),
            variant: options.supervisorVariant, proposalTimeout: options.proposalTimeout)
        let nodeSettings = options.nodeSettings
        nodes = (0..<nodeCount).map { index in
            SimDataNode(index: index, topology: topology, settings: nodeSettings, clock: clock(), random: root.derive(stream: 100 + UInt64(index)))
        }
        let clientSettings = options.clientSettings
        clients = (0..<options.clients).map { index in
            SimClient(index: index, settings: clientSettings, topology: topology, random: root.derive(stream: 200 + UInt64(index)))
        }
    }

    /// A bootstrapped map with every node registered (zones a, b, c); the leader's first
    /// tick places the shards.
    static func bootstrapMap(settings: ClusterSettings, shards: Int, topology: Topology) -> ClusterMap {
        var map = ClusterMap()
        _ = map.apply(.bootstrap(settings: settings, initialShards: shards))
        for (index, id) in topology.nodeIDs.enumerated() {
            _ = map.apply(.registerNode(id: id, address: HostPort(host: "10.0.0.\(index + 1)", port: 7000), zone: ["a", "b", "c"][index % 3]))
        }
        return map
    }

    // MARK: Running

    /// Plays the whole run and returns its report. Bounded by `options.maxEvents`.
    public mutating func run() -> SimulationReport {
        boot()
        while !finished, let (at, event) = queue.pop() {
            now = at
            statistics.events += 1
            guard statistics.events <= options.maxEvents else {
                violations.append(Violation(.eventBoundReached, at: now, "stopped after \(options.maxEvents) events"))
                break
            }
            handle(event)
            let log = appliedLog
            violations += serving.check(nodes, committed: { log.committed($0) }, at: now)
            if !violations.isEmpty { break }
        }
        if violations.isEmpty && finished { finalChecks() }
        return report()
    }

    private mutating func boot() {
        queue.schedule(.metaTick, at: now)
        for index in nodes.indices {
            var effects = Effects()
            nodes[index].start(&effects)
            carryOut(effects, from: .node(index))
        }
        for index in clients.indices {
            var effects = Effects()
            clients[index].start(&effects)
            carryOut(effects, from: .client(index))
        }
        if options.nemesis.isEnabled { scheduleNemesis() }
        for fault in options.nemesis.script { queue.schedule(.scripted(fault.action), at: now.advanced(by: fault.at)) }
        queue.schedule(.endFaultPhase, at: now.advanced(by: options.faultPhase))
        queue.schedule(.finish, at: now.advanced(by: options.faultPhase + options.settlePhase))
    }

    private mutating func handle(_ event: SimEvent) {
        var effects = Effects()
        var origin = Endpoint.meta
        switch event {
        case .deliver(let envelope):
            deliver(envelope, &effects)
            origin = envelope.to
        case .node(let index, let incarnation, let timer):
            guard nodes[index].incarnation == incarnation else { return }
            nodes[index].fire(timer, at: now, &effects)
            origin = .node(index)
        case .client(let index, let timer):
            clients[index].fire(timer, at: now, history: &history, &effects)
            origin = .client(index)
        case .metaTick:
            meta.tick(at: now, &effects)
            queue.schedule(.metaTick, at: now.advanced(by: meta.clock.realDuration(ofLocal: options.metaTick)))
        case .nemesis:
            guard inFaultPhase else { return }
            strike()
            scheduleNemesis()
        case .fault(let fault):
            origin = apply(fault, &effects)
        case .scripted(let action):
            if let fault = resolve(action) { origin = apply(fault, &effects) }
        case .endFaultPhase:
            endFaultPhase(&effects)
        case .finish:
            finished = true
        }
        carryOut(effects, from: origin)
    }

    private mutating func deliver(_ envelope: Envelope, _ effects: inout Effects) {
        guard !network.isBlocked(from: envelope.from, to: envelope.to) else {
            statistics.messagesDropped += 1
            return
        }
        trace.record(now, "\(envelope.from)→\(envelope.to) \(envelope.payload.traceDescription)")
        switch envelope.to {
        case .meta: meta.receive(envelope, at: now, &effects)
        case .node(let index): nodes[index].receive(envelope, at: now, &effects)
        case .client(let index): clients[index].receive(envelope, at: now, history: &history, &effects)
        }
    }

    /// Puts the effects of the component at `origin` on the agenda. Its node timers are
    /// tagged with its current incarnation.
    mutating func carryOut(_ effects: Effects, from origin: Endpoint) {
        for envelope in effects.sends {
            statistics.messagesSent += 1
            statistics.messagesByKind[envelope.payload.kind, default: 0] += 1
            if case .replication(let shard, let message) = envelope.payload, case .node(let sender) = envelope.from {
                acknowledgements.sent(message, shard: shard, by: topology.nodeIDs[sender])
                noteReconcileReply(message, shard: shard, from: sender)
                noteUnknownEpoch(message)
            }
            let delays = network.deliveryDelays(for: envelope)
            if delays.isEmpty { statistics.messagesDropped += 1 }
            for delay in delays { queue.schedule(.deliver(envelope), at: now.advanced(by: delay)) }
        }
        if case .node(let node) = origin {
            for (after, timer) in effects.nodeTimers {
                queue.schedule(.node(node, incarnation: nodes[node].incarnation, timer), at: now.advanced(by: after))
            }
        }
        if case .client(let client) = origin {
            for (after, timer) in effects.clientTimers { queue.schedule(.client(client, timer), at: now.advanced(by: after)) }
        }
        for notice in effects.notices { record(notice) }
    }
}
