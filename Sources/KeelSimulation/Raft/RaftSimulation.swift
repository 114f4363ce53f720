import KeelRaft

/// A whole Raft group on one thread, driven by one seed: the real `KeelRaft` core on every
/// node, a `SimNetwork` between nodes and clients, a `SimDisk` per node, per-node drifting
/// clocks, crashes, partitions, pauses, and clients whose history is checked for
/// linearizability at the end.
///
/// After every step of every node, `RaftInvariants` checks election safety, log matching,
/// leader completeness, state-machine safety, that every confirmed read covers what was
/// committed before it, and that the highest committed entry is on enough disks that every
/// quorum holds it. After the chaos phase every fault heals; a leader must then commit a
/// new proposal within `livenessTicks`. The same options always give the same run, event
/// for event (`RaftSimulationReport.traceHash`).
public struct RaftSimulation: Sendable {
    enum Event: Sendable {
        case tick(slot: Int, generation: UInt64)
        case restart(slot: Int)
        case retire(slot: Int)
        case resume(slot: Int)
        case healPartition(generation: UInt64)
        case faultRound
        case clientWake(client: Int)
        case clientTimeout(client: Int, attempt: UInt64)
        case endOfChaos
    }

    let options: RaftSimulationOptions
    var now: UInt64 = 0
    var events = EventQueue<Event>(capacity: 100_000)
    var network: SimNetwork<SimEndpoint, RaftSimMessage>
    var nodes: [RaftSimNode] = []
    var clients: [SimClient] = []
    var recorder = HistoryRecorder<SimKV>()
    var invariants: RaftInvariants
    var trace: SimTrace
    var buggify: Buggify
    /// Decisions of the harness itself (faults, client choices, disk crashes).
    var random: SimRandom
    var nextAttempt: UInt64 = 1
    var partitionGeneration: UInt64 = 0
    var committedConfiguration = RaftConfiguration.empty
    var statistics = RaftSimulationReport.Statistics()
    /// Set when faults have healed: the liveness deadline and the marker proposal's fate.
    var liveness: Liveness?
    var finished = false
    /// Client writes some state machine executed (not merely received as a repeat).
    var executedWrites: Set<ClientSequence> = []

    struct ClientSequence: Hashable, Sendable {
        var client: Int
        var sequence: UInt64
    }

    struct Liveness: Sendable {
        var healedAt: UInt64
        var deadline: UInt64
        var markerTerm: Term?
        var markerIndex: LogIndex?
    }

    /// Entry data that marks the liveness proposal (not a client command).
    static let markerData: [UInt8] = [0xFF]

    public init(options: RaftSimulationOptions) {
        self.options = options
        let root = SimRandom(seed: options.seed)
        random = root.derive(stream: 1)
        network = SimNetwork(faults: options.network, random: root.derive(stream: 2))
        buggify = Buggify(settings: options.buggify, random: root.derive(stream: 3))
        trace = SimTrace(keepsLines: options.keepsTraceLines)
        invariants = RaftInvariants(maxNodeID: options.nodeCount + options.faults.spareNodes)
        let voters = (1...options.nodeCount).map { RaftNodeID(UInt64($0)) }
        let bootstrap = RaftBootstrap.newGroup(RaftConfiguration(voters: voters))
        var clockRandom = root.derive(stream: 4)
        for number in 1...(options.nodeCount + options.faults.spareNodes) {
            let drift = options.clockDrifts.indices.contains(number - 1) ? options.clockDrifts[number - 1] : nil
            let clock = SimClock(settings: options.clock, startAt: 0, drift: drift, random: &clockRandom)
            let isSpare = number > options.nodeCount
            nodes.append(
                RaftSimNode(
                    id: RaftNodeID(UInt64(number)), presence: isSpare ? .spare : .active,
                    bootstrap: isSpare ? .joining : bootstrap, diskFaults: options.disk, clock: clock))
        }
        for number in 0..<options.clients.count {
            clients.append(SimClient(number: number, leaderGuess: voters[number % voters.count]))
        }
    }

    /// Runs to the end (or to the first violation) and reports.
    public mutating func run() -> RaftSimulationReport {
        for slot in nodes.indices where nodes[slot].presence == .active { start(slot) }
        for client in clients.indices { schedule(.clientWake(client: client), at: random.uint64(in: 0...20_000_000)) }
        schedule(.faultRound, at: options.faults.roundNanoseconds)
        schedule(.endOfChaos, at: options.chaosNanoseconds)
        while !finished && invariants.violation == nil, let next = nextEventTime() {
            now = next
            statistics.events += 1
            if let deliveryTime = network.nextDeliveryTime, deliveryTime <= (events.nextTime ?? .max) {
                if let (_, envelope) = network.deliverNext() { deliver(envelope) }
            } else if let (_, event) = events.popNext() {
                handle(event)
            }
            checkLivenessDeadline()
        }
        if invariants.violation == nil { checkHistory() }
        return report()
    }

    /// Schedules `event`; a full queue means a feedback loop in the harness, reported as such.
    mutating func schedule(_ event: Event, at time: UInt64) {
        guard events.schedule(event, at: time) else {
            invariants.report(.eventQueueFull, at: now, "more than \(events.capacity) events pending")
            return
        }
    }

    private func nextEventTime() -> UInt64? {
        switch (network.nextDeliveryTime, events.nextTime) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    private mutating func handle(_ event: Event) {
        switch event {
        case .tick(let slot, let generation): tick(slot, generation: generation)
        case .restart(let slot): restart(slot)
        case .retire(let slot): retire(slot)
        case .resume(let slot): resume(slot)
        case .healPartition(let generation): healPartition(generation)
        case .faultRound: faultRound()
        case .clientWake(let client): clientWake(client)
        case .clientTimeout(let client, let attempt): clientTimeout(client, attempt: attempt)
        case .endOfChaos: healEverything()
        }
    }

    private mutating func deliver(_ envelope: SimNetwork<SimEndpoint, RaftSimMessage>.Envelope) {
        switch envelope.to {
        case .client(let number):
            guard case .reply(let reply) = envelope.message else { return }
            clientReceive(number, reply)
        case .node(let id):
            let slot = Int(id.rawValue) - 1
            guard nodes[slot].isUp else { return }
            if nodes[slot].isPaused {
                nodes[slot].deferred.append((envelope.from, envelope.message))
                return
            }
            nodeReceive(slot, envelope.message)
        }
    }

    /// Checks the clients' history once the run is over.
    ///
    /// A write its client gave up on that no state machine ever executed cannot have been
    /// observed by any read (reads are served from state machines only), so it is removed
    /// as "did not take effect" instead of left "unknown"; that keeps the search small.
    /// Writes some node did execute stay unknown: the checker, not the harness, decides
    /// whether their effect fits.
    private mutating func checkHistory() {
        for client in clients {
            for write in client.abandonedWrites
            where !executedWrites.contains(ClientSequence(client: client.number, sequence: write.sequence)) {
                recorder.discard(write.handle)
            }
        }
        let history = recorder.history
        switch LinearizabilityChecker(model: SimKV()).check(history) {
        case .linearizable: break
        case .unknown(let keys): statistics.uncheckedKeys = keys.count
        case .notLinearizable(let violation):
            invariants.report(.linearizability, at: now, violation.description)
        }
    }

    private func report() -> RaftSimulationReport {
        var statistics = statistics
        statistics.network = network.statistics
        statistics.buggifyFirings = buggify.firings
        statistics.operationsCompleted = clients.reduce(0) { $0 + $1.completed }
        statistics.operationsAbandoned = clients.reduce(0) { $0 + $1.abandoned }
        statistics.maxCommittedIndex = invariants.maxCommitted.index
        return RaftSimulationReport(
            seed: options.seed, options: options, violation: invariants.violation, traceHash: trace.hash,
            statistics: statistics, history: recorder.history, traceLines: trace.lines, endedAt: now)
    }
}
