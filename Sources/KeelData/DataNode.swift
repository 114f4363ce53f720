import KeelCluster
import KeelDataProtocol
import KeelMetaClient
import KeelReplication
import KeelStorage
import KeelTransport
import KeelTypes
import KeelWire
import Logging
import Synchronization

/// A data node: holds shard replicas and serves them.
///
/// One loop owns every replica core: transport traffic, map changes, heartbeat answers,
/// log syncs and ticks arrive as events, and each event's `ReplicaOutput` is carried out
/// before the next (docs/replication.md gives the order). Slow work — log syncs, store
/// copies, calls to the meta group — runs in tasks that report back as events.
public final class DataNode: Sendable {
    public let configuration: DataNodeConfiguration
    let transport: PeerTransport
    let meta: MetaClient
    let inbox = EventQueue<DataEvent>(capacity: 4096)
    /// Set while a tick waits in the inbox: ticks are coalesced, so a loop slower than the
    /// tick interval is not buried under them.
    let tickQueued = Atomic<Bool>(false)
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant

    public init(configuration: DataNodeConfiguration) {
        self.configuration = configuration
        var transportConfiguration = TransportConfiguration(
            nodeID: configuration.id.rawValue, clusterID: configuration.clusterID, logger: configuration.logger)
        transportConfiguration.connectTimeout = .seconds(1)
        // Peers restart in seconds; a long backoff would keep a new primary from its backups.
        transportConfiguration.reconnectBackoff = ReconnectBackoff(initialDelay: .milliseconds(20), maxDelay: .seconds(1))
        transport = PeerTransport(configuration: transportConfiguration)
        meta = MetaClient(members: configuration.meta, transport: transport)
        started = clock.now
    }

    var now: MonotonicTime { MonotonicTime(nanoseconds: (clock.now - started).wholeNanoseconds) }

    /// Runs the node until cancelled.
    public func run() async throws {
        let store = try ShardStore(directory: configuration.directory + "/store")
        defer { store.close() }
        var state = DataNodeState(configuration: configuration, store: store)
        try state.recover()
        try await transport.start(listeningOn: PeerAddress(host: configuration.listen.host, port: configuration.listen.port))
        configuration.logger.info(
            "data node started",
            metadata: ["node.id": "\(configuration.id)", "listen": "\(configuration.listen)", "replicas": "\(state.hosts.count)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.forwardInbound() }
            group.addTask { await self.tickForever() }
            group.addTask { await self.registerAndWatch() }
            await self.loop(&state)
            group.cancelAll()
        }
        state.closeAll()
        await transport.shutdown()
    }

    /// Replication traffic goes to the urgent lane: an acknowledgement queued behind
    /// client requests would hold every commit (and so every client) back. Its volume is
    /// bounded by the replication protocol itself (`maxUncommittedBytes`). Client requests
    /// queue in the bounded lane, which pushes back on the transport when full.
    private func forwardInbound() async {
        for await event in transport.inbound {
            if Task.isCancelled { return }
            switch event {
            case .message: inbox.pushUrgent(.inbound(event))
            case .request: await inbox.pushWaiting(.inbound(event))
            }
        }
    }

    private func tickForever() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.tick)
            if !tickQueued.exchange(true, ordering: .acquiringAndReleasing) { inbox.pushUrgent(.tick) }
        }
        inbox.close()
    }

    private func loop(_ state: inout DataNodeState) async {
        while let event = await inbox.next() {
            if Task.isCancelled { break }
            switch event {
            case .tick:
                tickQueued.store(false, ordering: .releasing)
                tick(&state)
                await tickRaftShards(&state)
            case .inbound(let inbound):
                if await !handleRaft(inbound, &state) { handle(inbound, &state) }
            case .mapChanges(let batches):
                if state.view.apply(batches) {
                    await followMap(&state)
                } else {
                    inbox.pushUrgent(.needFullMap)
                }
            case .mapReplaced(let view):
                // A lagging meta follower may answer with an older map: never go back.
                guard view.version >= state.view.version else { continue }
                state.view = view
                await followMap(&state)
            case .needFullMap:
                fetchFullMap()
            case .heartbeatReply(let reply, let sentAt):
                heartbeatAnswered(reply, sentAt: sentAt, &state)
            case .persisted(let shard, let generation, let lsn):
                guard let host = state.hosts[shard], host.logGeneration == generation else { continue }
                carryOut(host.replica.persisted(through: lsn), host, &state)
            case .persistFailed(let shard, let error):
                configuration.logger.error("replication log write failed", metadata: ["shard.id": "\(shard)", "error": "\(error)"])
            case .applied(let shard, let through, let answers):
                applied(shard, through: through, answers: answers, &state)
            case .snapshotInstalled(let shard, let position):
                snapshotInstalled(shard, position, &state)
            case .snapshotFailed(let shard, let reason):
                configuration.logger.warning("store copy failed", metadata: ["shard.id": "\(shard)", "error": "\(reason)"])
                state.hosts[shard]?.importing = false
                state.raftShards[shard]?.copyInFlight = false
            }
            if !state.raftShards.isEmpty, inbox.isEmpty { await flushRaftProposals(&state) }
        }
    }
}

extension DataNode {
    /// Opens, reconfigures and retires replicas as the map says.
    func followMap(_ state: inout DataNodeState) async {
        if isRaftMode(state) {
            await reconcileRaftShards(&state)
        } else {
            reconcileReplicas(&state)
        }
    }
}

/// What the data node's loop reacts to.
enum DataEvent: Sendable {
    case tick
    case inbound(InboundEvent)
    case mapChanges([VersionedChanges])
    case mapReplaced(ClusterView)
    case needFullMap
    case heartbeatReply(HeartbeatReply, sentAt: MonotonicTime)
    case persisted(ShardID, generation: Int, through: LSN)
    case persistFailed(ShardID, String)
    case applied(ShardID, through: LSN?, answers: [(requestID: UInt64, result: Result<WriteOutcome, KeelError>)])
    case snapshotInstalled(ShardID, SnapshotPosition)
    case snapshotFailed(ShardID, String)
}
