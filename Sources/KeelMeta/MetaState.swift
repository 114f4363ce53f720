import KeelCluster
import KeelMetaClient
import KeelRaft
import KeelTransport
import KeelTypes
import Logging
import Metrics

/// Everything one meta member knows, owned by its loop: the Raft core, the cluster map it
/// drives, the leader's supervisor, and the requests waiting for the log.
struct MetaState {
    let configuration: MetaConfiguration
    private(set) var node: RaftNode
    var map = ClusterMap()
    var changeLog = ChangeLog()
    var supervisor: MetaSupervisor?
    /// Raft member id → address (initial peers plus addresses learned from config changes).
    var peers: [RaftNodeID: HostPort]
    var applied: LogIndex

    private var nextProposal: UInt64 = 1
    private var nextRead: UInt64 = 1
    /// Callers waiting for their proposals to apply.
    private var proposals = PendingProposals<InboundRequest>()
    private var readWaiters: [ReadRequestID: ReadWaiter] = [:]
    private var confirmedReads: [(index: LogIndex, waiter: ReadWaiter)] = []
    private var watches: [(fromVersion: UInt64, deadline: MonotonicTime, request: InboundRequest)] = []
    private var bootstrapProposedAt: MonotonicTime?

    /// A read waiting for the leader's confirmation (and for the map to catch up with it).
    enum ReadWaiter {
        case map(InboundRequest)
        case heartbeat(InboundRequest, HeartbeatReply)
    }

    init(configuration: MetaConfiguration, bootstrap: RaftBootstrap) throws {
        self.configuration = configuration
        var raftConfig = RaftConfig(id: RaftNodeID(configuration.id), electionTicks: configuration.electionTicks, seed: UInt64.random(in: 1...UInt64.max))
        raftConfig.maxMessageBytes = 1 << 20
        node = try RaftNode(config: raftConfig, bootstrap: bootstrap)
        peers = Dictionary(uniqueKeysWithValues: configuration.peers.map { (RaftNodeID($0.key), $0.value) })
        applied = bootstrap.applied
        if bootstrap.snapshot.metadata.index > .zero {
            map = try ClusterMap(decoding: bootstrap.snapshot.data)
            changeLog.reset(at: map.version)
        }
    }

    var isLeader: Bool { node.currentRole == .leader }
    var leaderAddress: HostPort? { node.currentLeader.flatMap { peers[$0] } }

    mutating func step(_ input: RaftInput) -> RaftOutput { node.step(input) }

    // MARK: Carrying out outputs (steps 4–6 of the contract)

    /// Applies an output that has been persisted and sent; returns inputs to step next.
    mutating func absorb(_ output: RaftOutput, now: MonotonicTime, logger: Logger) -> [RaftInput] {
        if output.restoreStateMachine, let snapshot = output.snapshot {
            restore(snapshot, logger: logger)
        }
        for entry in output.committedEntries { apply(entry, logger: logger) }
        if !output.committedEntries.isEmpty { answerWatches() }
        for (request, reason) in proposals.absorb(output) {
            let failure = reason.code == "not_leader"
                ? MetaFailure.notLeader(leaderAddress)
                : MetaFailure(code: reason.code, message: "the meta leader refused the proposal")
            request.respond(MetaResponseFrame(.error(failure)))
        }
        for read in output.readStates {
            guard let waiter = readWaiters.removeValue(forKey: read.id) else { continue }
            confirmedReads.append((read.index, waiter))
        }
        for rejected in output.rejectedReads {
            readWaiters.removeValue(forKey: rejected.id)?.request.respond(MetaResponseFrame(.error(.notLeader(leaderAddress))))
        }
        answerConfirmedReads()
        if let soft = output.softState { leadershipChanged(soft, now: now, logger: logger) }
        MetaMetrics.shared.record(node: node, map: map)
        return []
    }

    private mutating func apply(_ entry: Entry, logger: Logger) {
        defer { applied = entry.index }
        let resolution = proposals.resolve(entry)
        let replaced = MetaResponseFrame(.error(MetaFailure(code: "leadership_lost", message: "the proposal was replaced by a new leader's entry")))
        switch entry.kind {
        case .empty:
            switch resolution {
            case .committed(let request), .replaced(let request): request.respond(replaced)
            case nil: break
            }
        case .configChange:
            if let change = try? ConfigChange(decoding: entry.data) {
                if change.operation == .remove {
                    peers[change.node] = nil
                } else if !change.context.isEmpty, let address = try? HostPort(parsing: String(decoding: change.context, as: UTF8.self)) {
                    peers[change.node] = address
                }
            }
            switch resolution {
            case .committed(let request): request.respond(MetaResponseFrame(.ok))
            case .replaced(let request): request.respond(replaced)
            case nil: break
            }
        case .normal:
            let result: Result<VersionedChanges, ClusterError>
            do {
                result = map.apply(try MetaCommand(decoding: entry.data))
            } catch {
                logger.error("undecodable meta command skipped", metadata: ["raft.index": "\(entry.index)", "error": "\(error)"])
                result = .failure(error)
            }
            if case .success(let changes) = result { changeLog.append(changes) }
            switch resolution {
            case .committed(let request):
                respond(request, with: result)
            case .replaced(let request):
                request.respond(replaced)
            case nil:
                break
            }
        }
    }

    private func respond(_ request: InboundRequest, with result: Result<VersionedChanges, ClusterError>) {
        switch result {
        case .success(let changes): request.respond(MetaResponseFrame(.applied(changes)))
        case .failure(let error): request.respond(MetaResponseFrame(.error(MetaFailure(code: error.code.rawValue, message: error.message))))
        }
    }

    private mutating func restore(_ snapshot: Snapshot, logger: Logger) {
        do {
            map = try ClusterMap(decoding: snapshot.data)
        } catch {
            logger.critical("cannot decode the meta snapshot from the leader", metadata: ["error": "\(error)"])
            return
        }
        changeLog.reset(at: map.version)
        applied = snapshot.metadata.index
        answerWatches()
    }

    private mutating func leadershipChanged(_ soft: SoftState, now: MonotonicTime, logger: Logger) {
        logger.info("meta role changed", metadata: ["raft.role": "\(soft.role)", "raft.leader": "\(soft.leader.map { "\($0)" } ?? "none")", "raft.term": "\(node.currentTerm)"])
        if soft.role == .leader {
            if supervisor == nil { supervisor = MetaSupervisor(leaderSince: now) }
            return
        }
        supervisor = nil
        // Proposals this member accepted as leader may still commit under the next leader.
        for request in proposals.abandonAll() {
            request.respond(MetaResponseFrame(.error(MetaFailure(
                code: "leadership_lost", message: "the meta leader changed; the command may still be applied", maybeApplied: true))))
        }
    }

    private mutating func answerConfirmedReads() {
        var waiting: [(index: LogIndex, waiter: ReadWaiter)] = []
        for read in confirmedReads {
            guard read.index <= applied else {
                waiting.append(read)
                continue
            }
            switch read.waiter {
            case .map(let request): request.respond(MetaResponseFrame(.map(map)))
            case .heartbeat(let request, let reply): request.respond(MetaResponseFrame(.heartbeat(reply)))
            }
        }
        confirmedReads = waiting
    }

    // MARK: Requests that need the log

    /// Proposes `command`; `request` (if any) is answered when it is applied or refused.
    mutating func propose(_ command: MetaCommand, answering request: InboundRequest?) -> RaftInput {
        let id = ProposalID(rawValue: nextProposal)
        nextProposal += 1
        if let request { proposals.add(id, request) }
        return .propose([Proposal(id: id, data: command.encoded())])
    }

    mutating func proposeConfigChange(_ change: ConfigChange, answering request: InboundRequest?) -> RaftInput {
        let id = ProposalID(rawValue: nextProposal)
        nextProposal += 1
        if let request { proposals.add(id, request) }
        return .proposeConfigChange(id, change)
    }

    /// Confirms leadership (ReadIndex, or the Raft lease for heartbeats) before answering.
    mutating func confirmedRead(_ waiter: ReadWaiter, mode: ReadMode) -> RaftInput {
        let id = ReadRequestID(rawValue: nextRead)
        nextRead += 1
        readWaiters[id] = waiter
        return .read(id, mode)
    }

    mutating func addWatch(fromVersion: UInt64, deadline: MonotonicTime, request: InboundRequest) {
        if !answerWatch(fromVersion: fromVersion, request: request) {
            watches.append((fromVersion, deadline, request))
        }
    }

    /// Answers a watch if there is something newer than `fromVersion`.
    private func answerWatch(fromVersion: UInt64, request: InboundRequest) -> Bool {
        guard fromVersion != map.version else { return false }
        switch changeLog.changes(after: fromVersion) {
        case .changes(let changes) where !changes.isEmpty:
            request.respond(MetaResponseFrame(.changes(changes, version: changes.last!.version)))
        default:
            request.respond(MetaResponseFrame(.map(map)))
        }
        return true
    }

    private mutating func answerWatches() {
        let current = self
        watches.removeAll { current.answerWatch(fromVersion: $0.fromVersion, request: $0.request) }
    }

    mutating func expireWatches(now: MonotonicTime) {
        watches.removeAll { watch in
            guard watch.deadline <= now else { return false }
            watch.request.respond(MetaResponseFrame(.changes([], version: map.version)))
            return true
        }
    }

    // MARK: The leader's periodic work

    /// Inputs the leader wants to step now: the cluster's bootstrap, the supervisor's
    /// decisions, and the promotion of caught-up meta learners.
    mutating func supervise(now: MonotonicTime) -> [RaftInput] {
        guard isLeader, var supervisor else { return [] }
        var inputs: [RaftInput] = []
        if !map.isBootstrapped {
            if bootstrapProposedAt.map({ now.duration(since: $0) > .seconds(2) }) ?? true {
                bootstrapProposedAt = now
                inputs.append(propose(.bootstrap(settings: configuration.bootstrapSettings, initialShards: configuration.initialShards), answering: nil))
            }
            return inputs
        }
        for command in supervisor.tick(now: now, map: map) {
            configuration.logger.info("proposing", metadata: ["command": "\(command)"])
            Counter(label: "keel_meta_supervisor_proposals_total", dimensions: [("command", command.name)]).increment()
            inputs.append(propose(command, answering: nil))
        }
        self.supervisor = supervisor
        let commit = node.commitIndex
        if let learner = node.peerProgress.first(where: { $0.isLearner && $0.match >= commit }) {
            inputs.append(proposeConfigChange(ConfigChange(.promoteLearner, node: learner.id), answering: nil))
        }
        return inputs
    }

    /// A compaction input when enough has been applied since the last snapshot.
    func compactionDue(every entries: UInt64) -> RaftInput? {
        guard applied.rawValue >= node.snapshotMetadata.index.rawValue + entries else { return nil }
        return .compact(through: applied, snapshotData: map.encoded())
    }

    func members() -> MetaMembers {
        let progress = Dictionary(uniqueKeysWithValues: node.peerProgress.map { ($0.id, $0) })
        let configuration = node.currentConfiguration
        let members = configuration.members.map { id in
            MetaMembers.Member(
                id: id.rawValue, address: peers[id],
                role: id == node.currentLeader ? "leader" : (configuration.isLearner(id) ? "learner" : "voter"),
                match: progress[id]?.match.rawValue)
        }
        return MetaMembers(
            answeredBy: node.id.rawValue, leader: node.currentLeader?.rawValue, term: node.currentTerm.rawValue,
            commitIndex: node.commitIndex.rawValue, members: members)
    }
}

extension MetaState.ReadWaiter {
    var request: InboundRequest {
        switch self {
        case .map(let request), .heartbeat(let request, _): request
        }
    }
}

/// The meta member's metrics: its Raft state and the map's version.
struct MetaMetrics: Sendable {
    static let shared = MetaMetrics()
    let term = Gauge(label: "keel_meta_raft_term")
    let commit = Gauge(label: "keel_meta_raft_commit_index")
    let isLeader = Gauge(label: "keel_meta_is_leader")
    let mapVersion = Gauge(label: "keel_meta_map_version")
    let dataNodes = Gauge(label: "keel_meta_data_nodes")
    let shards = Gauge(label: "keel_meta_shards")

    func record(node: RaftNode, map: ClusterMap) {
        term.record(Int64(node.currentTerm.rawValue))
        commit.record(Int64(node.commitIndex.rawValue))
        isLeader.record(node.currentRole == .leader ? 1 : 0)
        mapVersion.record(Int64(map.version))
        dataNodes.record(map.nodes.count)
        shards.record(map.shards.count)
    }
}
