import KeelRaft

/// Fault injection during the chaos phase, healing at its end, and the liveness check.
extension RaftSimulation {
    /// Faults strike only before `healEverything`; the liveness phase runs fault-free.
    var isChaos: Bool { liveness == nil }

    mutating func faultRound() {
        guard liveness == nil else { return }
        schedule(.faultRound, at: now + options.faults.roundNanoseconds)
        let faults = options.faults
        if random.chance(faults.crashProbability), let slot = randomUpNode() {
            crash(slot, downtime: random.uint64(in: faults.downtimeNanoseconds))
        }
        if random.chance(faults.partitionProbability) { partitionRandomly() }
        if random.chance(faults.pauseProbability) || buggify("long process pause"), let slot = randomUpNode() {
            pause(slot, for: random.uint64(in: faults.pauseNanoseconds))
        }
        if random.chance(faults.transferProbability) { transferLeadership() }
        if random.chance(faults.membershipChangeProbability) { changeMembership() }
    }

    private mutating func randomUpNode() -> Int? {
        random.pick(nodes.indices.filter { nodes[$0].isUp })
    }

    /// One of three cuts, healed after a random time: a split into two groups, the leader
    /// isolated, or one direction of one link.
    private mutating func partitionRandomly() {
        let ids = nodes.filter { $0.presence == .active }.map { SimEndpoint.node($0.id) }
        guard ids.count > 1 else { return }
        partitionGeneration += 1
        statistics.partitions += 1
        switch random.below(3) {
        case 0:
            var shuffled = ids
            shuffled.shuffle(using: &random)
            let cut = random.int(in: 1...(ids.count - 1))
            network.partition([Array(shuffled[..<cut]), Array(shuffled[cut...])])
            trace.note("\(now) partition \(shuffled[..<cut]) | \(shuffled[cut...])")
        case 1:
            let leader = nodes.first { $0.isLeader }.map { SimEndpoint.node($0.id) } ?? random.pick(ids)!
            network.isolate(leader, from: ids)
            trace.note("\(now) isolate \(leader)")
        default:
            let from = Int(random.below(UInt64(ids.count)))
            let to = (from + 1 + Int(random.below(UInt64(ids.count - 1)))) % ids.count
            network.cut(from: ids[from], to: ids[to])
            trace.note("\(now) cut \(ids[from]) -> \(ids[to])")
        }
        trace.record(now, 5, partitionGeneration)
        schedule(.healPartition(generation: partitionGeneration), at: now + random.uint64(in: options.faults.partitionNanoseconds))
    }

    /// Heals the network unless a newer partition replaced the one this heal was for.
    mutating func healPartition(_ generation: UInt64) {
        guard generation == partitionGeneration, liveness == nil else { return }
        network.heal()
        trace.note("\(now) heal")
    }

    private mutating func transferLeadership() {
        guard let leader = nodes.firstIndex(where: { $0.isLeader }), let core = nodes[leader].core else { return }
        guard let target = random.pick(core.currentConfiguration.voters.filter { $0 != nodes[leader].id }) else { return }
        statistics.transfers += 1
        step(leader, .transferLeadership(to: target))
    }

    /// The end of the chaos phase: every fault heals, every node runs, and the clock starts
    /// on the liveness deadline.
    mutating func healEverything() {
        network.heal()
        network.faults = NetworkFaults(
            minDelayNanoseconds: options.network.minDelayNanoseconds, maxDelayNanoseconds: options.network.maxDelayNanoseconds)
        liveness = Liveness(healedAt: now, deadline: now + UInt64(options.livenessTicks) * options.clock.tickNanoseconds)
        for slot in nodes.indices where nodes[slot].presence == .active {
            if !nodes[slot].isUp { restart(slot) }
            if nodes[slot].isPaused {
                nodes[slot].pausedUntil = now
                resume(slot)
            }
        }
        trace.note("\(now) healed: liveness deadline in \(options.livenessTicks) ticks")
    }

    /// A leader proposes one marker entry per term once faults have healed; the run ends
    /// when a node applies it.
    mutating func proposeLivenessMarker(_ slot: Int) {
        guard let state = liveness, let core = nodes[slot].core, core.currentRole == .leader,
            state.markerTerm != core.currentTerm
        else { return }
        let id = ProposalID(UInt64.max - core.currentTerm.rawValue)
        guard let accepted = step(slot, .propose([Proposal(id: id, data: Self.markerData)]))?.acceptedProposals.first
        else { return }
        liveness?.markerTerm = accepted.term
        liveness?.markerIndex = accepted.index
    }

    mutating func checkLivenessDeadline() {
        guard let state = liveness, !finished, now > state.deadline else { return }
        let leaders = nodes.filter { $0.isLeader }.map { "\($0.id)" }
        invariants.report(
            .liveness, at: now,
            "no proposal committed within \(options.livenessTicks) ticks after faults healed (leaders now: \(leaders))")
    }
}
