import KeelRaft

/// Running the nodes: starting, ticking, delivering, and carrying out each `RaftOutput`
/// exactly as docs/raft.md's contract says (snapshot, persist, fsync, send, apply, reads).
extension RaftSimulation {
    // MARK: Lifecycle

    /// Boots the node in `slot` from its disk and schedules its ticks.
    mutating func start(_ slot: Int) {
        let id = nodes[slot].id
        let durable = nodes[slot].disk.durable
        var seeds = random.derive(stream: 100 + id.rawValue + UInt64(statistics.restarts))
        let config = options.raft.config(for: id, seed: seeds.next())
        do {
            nodes[slot].core = try RaftNode(config: config, bootstrap: durable.bootstrap)
        } catch {
            invariants.report(.restartFailed, at: now, "\(id) cannot restart from its disk: \(error)")
            return
        }
        guard let store = KVStore(decoding: durable.snapshot.data) else {
            invariants.report(.restartFailed, at: now, "\(id)'s snapshot does not decode")
            return
        }
        nodes[slot].store = store
        nodes[slot].applied = durable.snapshot.metadata.index
        nodes[slot].lastTerm = durable.hardState.term
        invariants.loadLog(of: id, from: durable, at: now)
        nodes[slot].clock.restart(at: now)
        scheduleTick(slot)
        trace.record(now, 1, id.rawValue)
        trace.note("\(now) start \(id) term \(durable.hardState.term) log \(durable.snapshot.metadata.index)+\(durable.entries.count)")
    }

    mutating func scheduleTick(_ slot: Int) {
        let time = nodes[slot].clock.deliveryTime(random: &random)
        schedule(.tick(slot: slot, generation: nodes[slot].tickGeneration), at: max(time, now))
    }

    mutating func tick(_ slot: Int, generation: UInt64) {
        guard nodes[slot].isUp, generation == nodes[slot].tickGeneration, !nodes[slot].isPaused else { return }
        nodes[slot].clock.advance()
        step(slot, .tick)
        if nodes[slot].isUp && generation == nodes[slot].tickGeneration {
            scheduleTick(slot)
            if liveness != nil { proposeLivenessMarker(slot) }
            maybeCompact(slot)
        }
    }

    /// Crashes the node: volatile state gone, unsynced writes lost (per the disk faults).
    mutating func crash(_ slot: Int, downtime: UInt64) {
        guard nodes[slot].isUp else { return }
        nodes[slot].crash(random: &random)
        statistics.crashes += 1
        trace.record(now, 2, nodes[slot].id.rawValue)
        trace.note("\(now) crash \(nodes[slot].id)")
        schedule(.restart(slot: slot), at: now + downtime)
    }

    mutating func restart(_ slot: Int) {
        guard !nodes[slot].isUp, nodes[slot].presence == .active else { return }
        statistics.restarts += 1
        start(slot)
    }

    mutating func pause(_ slot: Int, for duration: UInt64) {
        guard nodes[slot].isUp, !nodes[slot].isPaused else { return }
        nodes[slot].pausedUntil = now + duration
        statistics.pauses += 1
        trace.note("\(now) pause \(nodes[slot].id) for \(duration / 1_000_000)ms")
        schedule(.resume(slot: slot), at: now + duration)
    }

    /// Ends a pause: the ticks missed are delivered first (a shell ticking from a monotonic
    /// clock catches up), then the messages that arrived meanwhile, in order.
    mutating func resume(_ slot: Int) {
        guard nodes[slot].isUp, let until = nodes[slot].pausedUntil, until <= now else { return }
        nodes[slot].pausedUntil = nil
        nodes[slot].tickGeneration += 1
        let missed = nodes[slot].clock.ticksDue(by: now)
        for _ in 0..<missed where nodes[slot].isUp {
            nodes[slot].clock.advance()
            step(slot, .tick)
        }
        let deferred = nodes[slot].deferred
        nodes[slot].deferred.removeAll()
        for (_, message) in deferred where nodes[slot].isUp && !nodes[slot].isPaused {
            nodeReceive(slot, message)
        }
        if nodes[slot].isUp {
            nodes[slot].clock.restart(at: now)
            scheduleTick(slot)
        }
    }

    // MARK: Inputs

    mutating func nodeReceive(_ slot: Int, _ message: RaftSimMessage) {
        switch message {
        case .raft(let raftMessage):
            trace.record(now, 3, raftMessage.from.rawValue, raftMessage.to.rawValue, raftMessage.term.rawValue, Self.kind(of: raftMessage))
            step(slot, .message(raftMessage))
        case .request(let request):
            trace.record(now, 4, nodes[slot].id.rawValue, UInt64(request.client), request.attempt)
            serve(slot, request)
        case .reply:
            break
        }
    }

    private mutating func serve(_ slot: Int, _ request: ClientRequest) {
        switch request.input {
        case .get:
            // A duplicate of a request still pending here is the same read, not a new one.
            guard nodes[slot].reads[request.attempt] == nil else { return }
            nodes[slot].reads[request.attempt] = .init(
                client: request.client, attempt: request.attempt, key: request.key, committedAtStart: invariants.maxCommitted.index)
            step(slot, .read(ReadRequestID(request.attempt), options.readMode))
        case .put, .delete:
            nodes[slot].proposals[request.attempt] = request.client
            let command = KVCommand(client: request.client, sequence: request.sequence, key: request.key, input: request.input)
            step(slot, .propose([Proposal(id: ProposalID(request.attempt), data: command.encoded())]))
        }
    }

    /// One step of the core, then its output carried out. Returns the output.
    @discardableResult
    mutating func step(_ slot: Int, _ input: RaftInput) -> RaftOutput? {
        guard let output = nodes[slot].core?.step(input) else { return nil }
        statistics.steps += 1
        carryOut(slot, output)
        return output
    }

    // MARK: Carrying out an output

    private mutating func carryOut(_ slot: Int, _ output: RaftOutput) {
        let id = nodes[slot].id
        if let snapshot = output.snapshot {
            nodes[slot].disk.write(.snapshot(snapshot, discardWholeLog: output.restoreStateMachine))
            nodes[slot].disk.sync()
            invariants.snapshotted(snapshot, replacingLog: output.restoreStateMachine, on: id, at: now)
        }
        persist(slot, output)
        if output.mustSync {
            if isChaos && buggify("crash before fsync") {
                // The process dies between write and fsync: nothing was sent or applied.
                crash(slot, downtime: random.uint64(in: options.faults.downtimeNanoseconds))
                return
            }
            nodes[slot].disk.sync()
        }
        let leaderMoment = observeRoleAndCommit(slot)
        if leaderMoment && isChaos && random.chance(options.faults.leaderCrashProbability) {
            // The leader dies with this output's messages unsent: a new leader's first
            // appends, or the appends that follow a commit, never leave.
            crash(slot, downtime: random.uint64(in: options.faults.downtimeNanoseconds))
            return
        }
        for message in output.messages {
            network.send(.raft(message), from: .node(id), to: .node(message.to), at: now)
        }
        if output.restoreStateMachine, let snapshot = output.snapshot { restoreStateMachine(slot, from: snapshot) }
        for entry in output.committedEntries { apply(slot, entry) }
        answerProposals(slot, output)
        for read in output.readStates {
            guard let pending = nodes[slot].reads[read.id.rawValue] else { continue }
            if options.checksReadSafety {
                invariants.readConfirmed(read, required: pending.committedAtStart, on: nodes[slot].id, at: now)
            }
            nodes[slot].reads[read.id.rawValue]?.index = read.index
        }
        for rejected in output.rejectedReads {
            guard let read = nodes[slot].reads.removeValue(forKey: rejected.id.rawValue) else { continue }
            reply(from: slot, to: read.client, attempt: read.attempt, .refused(leader: nodes[slot].core?.currentLeader))
        }
        serveReadyReads(slot)
        checkDurability()
    }

    /// Step 2 of the contract, short of the fsync: the entries and hard state.
    private mutating func persist(_ slot: Int, _ output: RaftOutput) {
        let entries = output.entriesToPersist
        switch options.persistence {
        case .oneRecordPerOutput:
            if !entries.isEmpty || output.hardState != nil {
                nodes[slot].disk.write(.record(entries: entries, hardState: output.hardState))
            }
        case .entriesThenHardState:
            if !entries.isEmpty { nodes[slot].disk.write(.entries(entries)) }
            if let hardState = output.hardState { nodes[slot].disk.write(.hardState(hardState)) }
        }
        if !entries.isEmpty { invariants.appended(entries, on: nodes[slot].id, at: now) }
    }

    /// The highest committed entry must still be on enough of the voters' disks that every quorum holds it.
    private mutating func checkDurability() {
        let committed = invariants.maxCommitted
        let index = LogIndex(committed.index)
        let voters = committedConfiguration.voters
        let holders = voters.filter { voter in
            let disk = nodes[Int(voter.rawValue) - 1].disk.durable
            return disk.snapshot.metadata.index >= index || disk.term(at: index)?.rawValue == committed.term
        }
        invariants.checkDurability(voters: voters, holders: holders, at: now)
    }

    /// Feeds role and commit changes to the invariants. Returns true at a leader's
    /// critical moments: it has just been elected, or has just advanced its commit index.
    private mutating func observeRoleAndCommit(_ slot: Int) -> Bool {
        guard let core = nodes[slot].core else { return false }
        let id = nodes[slot].id
        var critical = false
        if core.currentRole == .leader && (nodes[slot].lastRole != .leader || nodes[slot].lastTerm != core.currentTerm) {
            statistics.leadersElected += 1
            trace.note("\(now) \(id) leads \(core.currentTerm)")
            invariants.becameLeader(id, term: core.currentTerm, at: now)
            critical = true
        }
        nodes[slot].lastRole = core.currentRole
        nodes[slot].lastTerm = core.currentTerm
        if core.commitIndex > nodes[slot].lastCommit {
            nodes[slot].lastCommit = core.commitIndex
            invariants.committed(core.commitIndex, on: id, term: core.currentTerm, at: now)
            critical = critical || core.currentRole == .leader
        }
        return critical
    }

    private mutating func restoreStateMachine(_ slot: Int, from snapshot: Snapshot) {
        guard let store = KVStore(decoding: snapshot.data) else {
            invariants.report(.stateMachineSafety, at: now, "\(nodes[slot].id) received a snapshot that does not decode")
            return
        }
        nodes[slot].store = store
        nodes[slot].applied = snapshot.metadata.index
        statistics.snapshotsInstalled += 1
        invariants.applied(snapshot.metadata.index, on: nodes[slot].id, at: now)
    }

    private mutating func apply(_ slot: Int, _ entry: Entry) {
        let id = nodes[slot].id
        guard entry.index == nodes[slot].applied.next else {
            invariants.report(.stateMachineSafety, at: now, "\(id) was handed \(entry.index) after applying \(nodes[slot].applied)")
            return
        }
        if invariants.applied(entry.index, on: id, at: now), entry.kind == .configChange,
            let change = try? ConfigChange(decoding: entry.data)
        {
            configurationCommitted(change, at: entry.index)
        }
        nodes[slot].applied = entry.index
        if let liveness, entry.index == liveness.markerIndex, entry.term == liveness.markerTerm {
            statistics.recoveryNanoseconds = now - liveness.healedAt
            finished = true
        }
        guard entry.kind == .normal, let command = KVCommand(decoding: entry.data) else { return }
        let (output, executed) = nodes[slot].store.apply(command)
        if executed {
            statistics.writesApplied += 1
            executedWrites.insert(ClientSequence(client: command.client, sequence: command.sequence))
        }
        guard let pending = nodes[slot].writes.removeValue(forKey: entry.index.rawValue) else { return }
        // Our proposal is committed only if the entry at its index is still of its term.
        let result: ClientReply.Result = pending.term == entry.term ? .done(output) : .refused(leader: nodes[slot].core?.currentLeader)
        reply(from: slot, to: pending.client, attempt: pending.attempt, result)
    }

    private mutating func answerProposals(_ slot: Int, _ output: RaftOutput) {
        for accepted in output.acceptedProposals {
            guard let client = nodes[slot].proposals.removeValue(forKey: accepted.id.rawValue) else { continue }
            nodes[slot].writes[accepted.index.rawValue] = .init(term: accepted.term, client: client, attempt: accepted.id.rawValue)
        }
        for rejected in output.rejectedProposals {
            guard let client = nodes[slot].proposals.removeValue(forKey: rejected.id.rawValue) else { continue }
            var leader: RaftNodeID?
            if case .notLeader(let known) = rejected.reason { leader = known }
            reply(from: slot, to: client, attempt: rejected.id.rawValue, .refused(leader: leader))
        }
    }

    /// Answers reads whose index the state machine has reached, from the local store.
    private mutating func serveReadyReads(_ slot: Int) {
        let applied = nodes[slot].applied
        let ready = nodes[slot].reads.values.filter { $0.index.map { $0 <= applied } ?? false }.sorted { $0.attempt < $1.attempt }
        for read in ready {
            nodes[slot].reads[read.attempt] = nil
            statistics.readsServed += 1
            reply(from: slot, to: read.client, attempt: read.attempt, .done(nodes[slot].store.read(read.key)))
        }
    }

    private mutating func reply(from slot: Int, to client: Int, attempt: UInt64, _ result: ClientReply.Result) {
        network.send(.reply(ClientReply(attempt: attempt, result: result)), from: .node(nodes[slot].id), to: .client(client), at: now)
    }

    /// Sometimes compacts the log of a node that has applied entries past its snapshot.
    private mutating func maybeCompact(_ slot: Int) {
        guard options.faults.compactionProbability > 0, let core = nodes[slot].core else { return }
        let applied = nodes[slot].applied
        guard applied.distance(from: core.snapshotMetadata.index) >= 8, random.chance(options.faults.compactionProbability / 10)
        else { return }
        statistics.compactions += 1
        step(slot, .compact(through: applied, snapshotData: nodes[slot].store.encoded()))
    }

    static func kind(of message: RaftMessage) -> UInt64 {
        switch message.payload {
        case .voteRequest: return 1
        case .voteResponse: return 2
        case .append: return 3
        case .appendResponse: return 4
        case .heartbeat: return 5
        case .heartbeatResponse: return 6
        case .snapshotChunk: return 7
        case .snapshotChunkResponse: return 8
        case .timeoutNow: return 9
        case .readIndex: return 10
        case .readIndexResponse: return 11
        case .transferLeadership: return 12
        }
    }
}
