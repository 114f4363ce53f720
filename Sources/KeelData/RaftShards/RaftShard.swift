import KeelDataProtocol
import KeelRaft
import KeelRaftStorage
import KeelStorage
import KeelTransport
import KeelTypes

/// One shard of the Raft baseline (`--replication raft`) on this node: the shard's own
/// Raft group, its durable Raft log, and the store its committed entries are applied to.
///
/// The group's members are the shard's replicas in the map, numbered in sorted order
/// (the baseline never reconfigures a shard, so every node numbers them alike). Writes
/// are proposed by the leader and answered once their entry is applied; linearizable
/// reads wait for a ReadIndex confirmation; stale reads read the local store, which only
/// ever holds committed entries. Owned by the data node's loop, like `ShardHost`.
final class RaftShard {
    let id: ShardID
    /// The shard as the map last described it (the primary field follows the leader).
    var descriptor: ShardDescriptor
    let members: [DataNodeID]
    let me: RaftNodeID
    private(set) var node: RaftNode
    let storage: RaftDurableStorage
    /// Replaced by a fresh one while a store copy is pulled (see `restoring`).
    var store: StoredShard
    /// The last index the store holds (entries at or below it are never applied again).
    private(set) var applied: KeelRaft.LogIndex
    /// The last committed index the core handed out (compaction never goes beyond it).
    private var handedOut: KeelRaft.LogIndex
    /// The log is compacted once this many entries were applied since the last snapshot.
    let compactEvery: UInt64
    /// The snapshot index a store copy must reach: set when the leader sent a snapshot
    /// (its log no longer had what this member lacked) or when a copy was interrupted.
    /// Until the copy is in, committed entries wait in `deferred` and nothing is served.
    private(set) var restoring: KeelRaft.LogIndex?
    var copyInFlight = false
    private var deferred: [Entry] = []
    /// Store copies this member serves to members that need one.
    let exports = StoreExports()

    private var nextProposal: UInt64 = 1
    private var nextRead: UInt64 = 1
    private var proposals = PendingProposals<InboundRequest>()
    private var queued: [Proposal] = []
    private var reads: [ReadRequestID: PendingRead] = [:]
    private var confirmedReads: [(index: KeelRaft.LogIndex, read: PendingRead)] = []
    /// When this node last asked the meta group to name it primary.
    var lastPrimaryClaim: MonotonicTime?
    var readCount = 0
    var writeCount = 0

    /// A linearizable read waiting for the leader's confirmation and for the store to catch up.
    struct PendingRead {
        var request: InboundRequest
        var serve: (StoredShard) -> DataResponse
    }

    /// The Raft node id of each member: its position in sorted order, from 1.
    static func members(of descriptor: ShardDescriptor) -> [DataNodeID] { descriptor.allReplicas.sorted() }

    /// Opens (or, the first time, creates) this node's member of the shard's group: its
    /// Raft log under `directory`, and the store it applies to.
    static func open(
        descriptor: ShardDescriptor, me: DataNodeID, directory: String, store: StoredShard, electionTicks: Int, compactEvery: UInt64
    ) async throws -> RaftShard {
        let members = Self.members(of: descriptor)
        guard let position = members.firstIndex(of: me) else {
            throw KeelError(.internalError, "\(me) is not a replica of shard \(descriptor.id)")
        }
        let storage = try RaftDurableStorage(directory: directory)
        if storage.isEmpty {
            let voters = members.indices.map { RaftNodeID(UInt64($0 + 1)) }
            try await storage.initialize(with: .newGroup(RaftConfiguration(voters: voters)))
        }
        var bootstrap = try storage.load()
        // The store holds everything applied; the core hands out what comes after it. A
        // store behind the snapshot (a copy interrupted by a crash) is copied again.
        let snapshotIndex = bootstrap.snapshot.metadata.index
        let storeApplied = try store.isImporting ? KeelRaft.LogIndex.zero : KeelRaft.LogIndex(try store.appliedPosition.index.rawValue)
        bootstrap.applied = max(snapshotIndex, storeApplied)
        let me = RaftNodeID(UInt64(position + 1))
        var config = RaftConfig(id: me, electionTicks: electionTicks, seed: UInt64.random(in: 1...UInt64.max))
        config.maxMessageBytes = 1 << 20
        let node = try RaftNode(config: config, bootstrap: bootstrap)
        let shard = RaftShard(
            descriptor: descriptor, members: members, me: me, node: node, storage: storage, store: store, applied: storeApplied,
            compactEvery: compactEvery)
        shard.handedOut = bootstrap.applied
        if storeApplied < snapshotIndex { shard.restoring = snapshotIndex }
        return shard
    }

    private init(
        descriptor: ShardDescriptor, members: [DataNodeID], me: RaftNodeID, node: RaftNode, storage: RaftDurableStorage, store: StoredShard,
        applied: KeelRaft.LogIndex, compactEvery: UInt64
    ) {
        id = descriptor.id
        self.descriptor = descriptor
        self.members = members
        self.me = me
        self.node = node
        self.storage = storage
        self.store = store
        self.applied = applied
        self.handedOut = applied
        self.compactEvery = max(1, compactEvery)
    }

    /// Why this member cannot serve now, if it cannot.
    var restoringError: KeelError? {
        restoring == nil ? nil : KeelError(.shardUnavailable, "shard \(id) is copying its store from the leader", shard: descriptor)
    }

    var isLeader: Bool { node.currentRole == .leader }

    /// The data node that leads the group, as far as this member knows.
    var leader: DataNodeID? { node.currentLeader.flatMap(dataNode) }

    func dataNode(_ id: RaftNodeID) -> DataNodeID? {
        let position = Int(id.rawValue) - 1
        return members.indices.contains(position) ? members[position] : nil
    }

    func raftID(of node: DataNodeID) -> RaftNodeID? { members.firstIndex(of: node).map { RaftNodeID(UInt64($0 + 1)) } }

    func step(_ input: RaftInput) -> RaftOutput { node.step(input) }

    /// The refusal a non-leader gives: the shard as the map has it, with the leader this
    /// member knows as its primary, so a router can go there next.
    func notLeader() -> KeelError {
        var view = descriptor
        if let leader { view.primary = leader }
        return KeelError(.notPrimary, "this member does not lead shard \(id)'s Raft group", shard: view)
    }

    // MARK: Requests

    /// Queues a write batch for the next proposal step, or refuses it at once. Writes that
    /// arrive while the loop is busy go into one step, so one log fsync (group commit).
    func queue(_ mutations: [Mutation], for request: InboundRequest) {
        guard isLeader else {
            request.respond(DataResponse.error(notLeader()))
            return
        }
        if let restoringError {
            request.respond(DataResponse.error(restoringError))
            return
        }
        if let outside = mutations.first(where: { !descriptor.range.contains($0.key) }) {
            request.respond(DataResponse.error(KeelError(
                .keyOutOfRange, "key \(outside.key.count) bytes is outside shard \(id) \(descriptor.range)", shard: descriptor)))
            return
        }
        writeCount += mutations.count
        let proposal = ProposalID(rawValue: nextProposal)
        nextProposal += 1
        proposals.add(proposal, request)
        queued.append(Proposal(id: proposal, data: RaftShardEntry.encode(mutations)))
    }

    /// The queued writes as one proposal step, if any.
    func takeQueued() -> RaftInput? {
        guard !queued.isEmpty else { return nil }
        defer { queued = [] }
        return .propose(queued)
    }

    /// Writes queued for the next proposal step.
    var queuedCount: Int { queued.count }

    /// A linearizable read: confirmed by ReadIndex, served once the store has caught up.
    func read(for request: InboundRequest, _ serve: @escaping (StoredShard) -> DataResponse) -> RaftInput? {
        guard isLeader else {
            request.respond(DataResponse.error(notLeader()))
            return nil
        }
        if let restoringError {
            request.respond(DataResponse.error(restoringError))
            return nil
        }
        readCount += 1
        let id = ReadRequestID(rawValue: nextRead)
        nextRead += 1
        reads[id] = PendingRead(request: request, serve: serve)
        return .read(id, .readIndex)
    }

    // MARK: Carrying out outputs (steps 4–6 of the contract; 1–3 are the shell's)

    /// Applies the committed entries to the store (one transaction) and answers whoever
    /// waits for them, for the proposals and reads the output settles.
    func absorb(_ output: RaftOutput) throws(StorageError) {
        if output.restoreStateMachine, let snapshot = output.snapshot {
            // The leader's log no longer has what this member lacks: its store comes by copy.
            restoring = snapshot.metadata.index
            handedOut = max(handedOut, snapshot.metadata.index)
            deferred = []
        }
        if let last = output.committedEntries.last { handedOut = max(handedOut, last.index) }
        if restoring != nil {
            deferred += output.committedEntries
        } else {
            try apply(output.committedEntries)
        }
        for (request, reason) in proposals.absorb(output) {
            let error: KeelError =
                switch reason {
                case .notLeader: notLeader()
                case .uncommittedBytesExceeded: KeelError(.overloaded, "shard \(id) has too many uncommitted bytes; retry shortly", shard: descriptor)
                default: KeelError(.shardUnavailable, "shard \(id)'s Raft group refused the write: \(reason.code)", shard: descriptor)
                }
            request.respond(DataResponse.error(error))
        }
        for read in output.readStates {
            guard let pending = reads.removeValue(forKey: read.id) else { continue }
            confirmedReads.append((read.index, pending))
        }
        for rejected in output.rejectedReads {
            reads.removeValue(forKey: rejected.id)?.request.respond(DataResponse.error(notLeader()))
        }
        answerConfirmedReads()
        if let soft = output.softState, soft.role != .leader {
            // What this leader appended may still commit under the next one.
            for request in proposals.abandonAll() {
                request.respond(DataResponse.error(KeelError(
                    .notPrimary, "shard \(id)'s leader changed before the write committed; it may still be applied",
                    maybeApplied: true, shard: notLeader().shard)))
            }
        }
    }

    /// The store copy is in, at `position`: apply what waited, beyond what the copy holds.
    func restored(_ fresh: StoredShard, at position: KeelRaft.LogIndex) throws(StorageError) {
        store = fresh
        applied = position
        restoring = nil
        copyInFlight = false
        let waiting = deferred
        deferred = []
        try apply(waiting)
        answerConfirmedReads()
    }

    /// A log compaction, once enough entries were applied since the last snapshot. The
    /// snapshot carries no data: a member that needs it copies the leader's store.
    func compaction() -> RaftInput? {
        let through = min(applied, handedOut)
        guard restoring == nil, through.rawValue >= node.snapshotMetadata.index.rawValue + compactEvery else { return nil }
        return .compact(through: through, snapshotData: [])
    }

    private func apply(_ all: [Entry]) throws(StorageError) {
        // Entries the store already holds (it came by copy, or a replay after a restart)
        // only settle the proposals waiting for them.
        let entries = all.filter { $0.index > applied }
        for entry in all where entry.index <= applied {
            if case .committed(let request) = proposals.resolve(entry) {
                request.respond(DataResponse.error(KeelError(.unavailable, "the write's outcome is unknown here", maybeApplied: true)))
            }
        }
        guard let first = entries.first, let last = entries.last else { return }
        var batch = WriteBatch()
        /// Each entry's operations in the batch, by index.
        var spans: [KeelRaft.LogIndex: Range<Int>] = [:]
        for entry in entries where entry.kind == .normal && !entry.data.isEmpty {
            // An entry this leader's own encoder wrote: undecodable means corruption.
            let mutations: [Mutation]
            do {
                mutations = try RaftShardEntry.decode(entry.data)
            } catch {
                throw StorageError(.corruptLog, "undecodable Raft entry \(entry.index) of shard \(id): \(error)")
            }
            let start = batch.operations.count
            batch.operations += mutations.map(RaftShardEntry.operation)
            spans[entry.index] = start..<batch.operations.count
        }
        let result = try store.apply(
            batch, records: KeelStorage.LogIndex(first.index.rawValue)...KeelStorage.LogIndex(last.index.rawValue), term: last.term.rawValue)
        applied = last.index
        let outcomes: [StoreWriteOutcome]
        switch result {
        case .applied(let applied): outcomes = applied
        case .alreadyApplied: outcomes = []
        }
        for entry in entries {
            guard let resolution = proposals.resolve(entry) else { continue }
            switch resolution {
            case .committed(let request):
                let span = spans[entry.index] ?? 0..<0
                let results = span.map { index in
                    index < outcomes.count
                        ? RaftShardEntry.result(outcomes[index], shard: id)
                        : .failure(KeelError(.internalError, "the entry was applied before this node restarted", maybeApplied: true))
                }
                request.respond(DataResponse.writes(results))
            case .replaced(let request):
                request.respond(DataResponse.error(KeelError(.notPrimary, "a new leader replaced the write; it was not applied", shard: notLeader().shard)))
            }
        }
    }

    private func answerConfirmedReads() {
        guard !confirmedReads.isEmpty else { return }
        var waiting: [(index: KeelRaft.LogIndex, read: PendingRead)] = []
        for confirmed in confirmedReads {
            if confirmed.index <= applied {
                confirmed.read.request.respond(confirmed.read.serve(store))
            } else {
                waiting.append(confirmed)
            }
        }
        confirmedReads = waiting
    }

    /// Answers everything still waiting (the node is shutting down or dropping the shard).
    func failPending(_ reason: String) {
        for request in proposals.abandonAll() {
            request.respond(DataResponse.error(KeelError(.shardUnavailable, reason, maybeApplied: true, shard: descriptor)))
        }
        exports.closeAll()
        for (_, read) in reads { read.request.respond(DataResponse.error(KeelError(.shardUnavailable, reason, shard: descriptor))) }
        for confirmed in confirmedReads { confirmed.read.request.respond(DataResponse.error(KeelError(.shardUnavailable, reason, shard: descriptor))) }
        reads = [:]
        confirmedReads = []
    }
}
