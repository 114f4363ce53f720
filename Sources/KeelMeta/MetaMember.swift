import KeelCluster
import KeelMetaClient
import KeelRaft
import KeelRaftStorage
import KeelRaftWire
import KeelTransport
import KeelTypes
import KeelWire
import Logging

/// One member of the meta group: a Raft node whose state machine is the cluster map.
///
/// Everything happens on one loop (`run`): ticks, Raft messages and client requests are
/// events on one stream, and each event's Raft output is carried out completely —
/// persisted, sent, applied — before the next event is looked at. That is the contract of
/// the pure core (docs/raft.md) and it means no state here is ever touched concurrently.
public final class MetaMember: Sendable {
    public let configuration: MetaConfiguration
    let transport: PeerTransport
    private let events: AsyncStream<MetaEvent>
    private let eventSink: AsyncStream<MetaEvent>.Continuation
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant

    public init(configuration: MetaConfiguration) {
        self.configuration = configuration
        var transportConfiguration = TransportConfiguration(
            nodeID: "meta-\(configuration.id)", clusterID: configuration.clusterID, logger: configuration.logger)
        transportConfiguration.connectTimeout = .seconds(1)
        // Peers restart in seconds; a long backoff would keep a new primary from its backups.
        transportConfiguration.reconnectBackoff = ReconnectBackoff(initialDelay: .milliseconds(20), maxDelay: .seconds(1))
        transport = PeerTransport(configuration: transportConfiguration)
        (events, eventSink) = AsyncStream.makeStream(of: MetaEvent.self, bufferingPolicy: .bufferingOldest(65_536))
        started = clock.now
    }

    /// Now, on the monotonic clock the supervisor measures leases with.
    var now: MonotonicTime { MonotonicTime(nanoseconds: (clock.now - started).wholeNanoseconds) }

    /// Runs the member until the task is cancelled; then closes its listener and storage.
    public func run() async throws {
        let storage = try RaftDurableStorage(directory: configuration.directory + "/raft")
        defer { storage.close() }
        if storage.isEmpty {
            let initial = configuration.join
                ? RaftBootstrap.joining
                : RaftBootstrap.newGroup(RaftConfiguration(voters: configuration.peers.keys.sorted().map { RaftNodeID($0) }))
            try await storage.initialize(with: initial)
        }
        var state = try MetaState(configuration: configuration, bootstrap: storage.load())
        try await transport.start(listeningOn: PeerAddress(host: configuration.listen.host, port: configuration.listen.port))
        configuration.logger.info(
            "meta member started", metadata: ["node.id": "\(configuration.id)", "listen": "\(configuration.listen)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.forwardInbound() }
            group.addTask { await self.tickForever() }
            defer { group.cancelAll() }
            try await self.loop(&state, storage: storage)
        }
        await transport.shutdown()
    }

    private func forwardInbound() async {
        for await event in transport.inbound {
            if Task.isCancelled { return }
            eventSink.yield(.inbound(event))
        }
    }

    private func tickForever() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.tick)
            eventSink.yield(.tick)
        }
    }

    private func loop(_ state: inout MetaState, storage: RaftDurableStorage) async throws {
        // Committed entries after the snapshot come out of the first step.
        try await carryOut(state.step(.tick), &state, storage: storage)
        for await event in events {
            if Task.isCancelled { break }
            switch event {
            case .tick:
                try await carryOut(state.step(.tick), &state, storage: storage)
                try await superviseAndExpire(&state, storage: storage)
            case .inbound(let inbound):
                try await handle(inbound, &state, storage: storage)
            }
        }
    }

    /// Steps 1–6 of the output contract.
    func carryOut(_ output: RaftOutput, _ state: inout MetaState, storage: RaftDurableStorage) async throws {
        try await storage.persist(output)
        send(output.messages, state: state)
        let follow = state.absorb(output, now: now, logger: configuration.logger)
        for input in follow { try await carryOut(state.step(input), &state, storage: storage) }
    }

    /// Sends one batch per destination; a full queue drops the batch (Raft retransmits).
    private func send(_ messages: [RaftMessage], state: MetaState) {
        guard !messages.isEmpty else { return }
        var byDestination: [RaftNodeID: [RaftMessage]] = [:]
        for message in messages { byDestination[message.to, default: []].append(message) }
        for (destination, batch) in byDestination {
            guard let address = state.peers[destination] else { continue }
            do {
                try transport.trySend(RaftBatch(group: 0, messages: batch), to: PeerAddress(host: address.host, port: address.port))
            } catch {
                configuration.logger.debug("raft send dropped", metadata: ["peer": "\(destination)", "error": "\(error)"])
            }
        }
    }

    /// Proposes what the supervisor decided, compacts the log, and times out watches.
    private func superviseAndExpire(_ state: inout MetaState, storage: RaftDurableStorage) async throws {
        let now = self.now
        for input in state.supervise(now: now) { try await carryOut(state.step(input), &state, storage: storage) }
        if let compaction = state.compactionDue(every: configuration.snapshotEveryEntries) {
            try await carryOut(state.step(compaction), &state, storage: storage)
        }
        state.expireWatches(now: now)
    }
}

/// What the loop reacts to.
enum MetaEvent: Sendable {
    case tick
    case inbound(InboundEvent)
}
