import KeelRaft

/// Membership changes during the chaos phase: the leader is asked to add a spare node (as
/// a learner, or straight in as a voter), promote a learner, or remove a member (the
/// leader included). A spare's process starts when it is first named; a removed node is
/// shut down for good shortly after its removal commits, as a shell would.
extension RaftSimulation {
    /// First proposal id of membership changes (client attempts count up from 1, liveness
    /// markers down from `UInt64.max`).
    static let firstConfigChangeProposal: UInt64 = 1 << 62

    mutating func changeMembership() {
        guard let leader = nodes.firstIndex(where: { $0.isLeader }), let core = nodes[leader].core else { return }
        guard let change = random.pick(possibleChanges(in: core.currentConfiguration)) else { return }
        if let slot = slot(of: change.node), nodes[slot].presence == .spare {
            nodes[slot].presence = .active
            start(slot)
        }
        statistics.configChangesProposed += 1
        trace.record(now, 6, UInt64(change.operation.rawValue), change.node.rawValue)
        trace.note("\(now) propose \(change.operation) \(change.node) at \(nodes[leader].id)")
        let id = ProposalID(Self.firstConfigChangeProposal + UInt64(statistics.configChangesProposed))
        step(leader, .proposeConfigChange(id, change))
    }

    /// Every change that would apply to `configuration`, keeping at least two voters.
    private func possibleChanges(in configuration: RaftConfiguration) -> [ConfigChange] {
        var changes: [ConfigChange] = []
        if let spare = nodes.first(where: { $0.presence != .retired && !configuration.contains($0.id) && !$0.wasMember }) {
            changes.append(ConfigChange(.addLearner, node: spare.id))
            changes.append(ConfigChange(.addVoter, node: spare.id))
        }
        changes += configuration.learners.map { ConfigChange(.promoteLearner, node: $0) }
        changes += configuration.learners.map { ConfigChange(.remove, node: $0) }
        if configuration.voters.count > 2 { changes += configuration.voters.map { ConfigChange(.remove, node: $0) } }
        return changes
    }

    private func slot(of node: RaftNodeID) -> Int? {
        let slot = Int(node.rawValue) - 1
        return nodes.indices.contains(slot) ? slot : nil
    }

    /// A configuration change was applied for the first time anywhere: it is committed.
    mutating func configurationCommitted(_ change: ConfigChange, at index: LogIndex) {
        guard case .success(let next) = change.applied(to: committedConfiguration) else {
            invariants.report(.stateMachineSafety, at: now, "committed change at \(index) does not apply to \(committedConfiguration)")
            return
        }
        committedConfiguration = next
        guard let slot = slot(of: change.node) else { return }
        nodes[slot].wasMember = true
        // The bootstrap entries (term 1, before any election) are not changes made in the run.
        guard statistics.leadersElected > 0 else { return }
        statistics.configChangesCommitted += 1
        trace.note("\(now) committed \(change.operation) \(change.node) at \(index): \(next)")
        if change.operation == .remove {
            schedule(.retire(slot: slot), at: now + random.uint64(in: 0...options.faults.retireDelayNanoseconds))
        }
    }

    /// Shuts a removed node down for good (its disk is no longer looked at).
    mutating func retire(_ slot: Int) {
        guard nodes[slot].presence == .active else { return }
        if nodes[slot].isUp { nodes[slot].crash(random: &random) }
        nodes[slot].presence = .retired
        trace.record(now, 7, nodes[slot].id.rawValue)
        trace.note("\(now) retire \(nodes[slot].id)")
    }
}
