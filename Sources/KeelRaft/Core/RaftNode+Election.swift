/// Election: timers, (pre-)campaigns, votes and role changes (Raft §5.2, thesis §9.6
/// PreVote, §6.2 CheckQuorum).
extension RaftNode {
    enum CampaignKind { case preElection, election, transfer }

    mutating func tick() {
        ticks &+= 1
        if role == .leader { tickLeader() } else { tickElection() }
    }

    private mutating func tickElection() {
        electionElapsed += 1
        guard isPromotable, electionElapsed >= randomizedElectionTimeout else { return }
        // A new (randomized) timeout for the next attempt: a failed pre-election does not
        // reset the timer by itself.
        resetElectionTimer()
        campaign(config.preVote ? .preElection : .election)
    }

    private mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= config.electionTicks {
            electionElapsed = 0
            if config.checkQuorum {
                guard hasActiveQuorum() else {
                    becomeFollower(term: term, leader: nil)
                    return
                }
            }
            if leadTransferee != nil { leadTransferee = nil }
        }
        if heartbeatElapsed >= config.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat()
        }
    }

    /// CheckQuorum: a quorum of voters was heard from since the last check; resets the marks.
    private mutating func hasActiveQuorum() -> Bool {
        let active = quorumValue(own: 1) { $0.recentActive ? 1 : 0 }
        for position in progress.positions where progress[position].id != config.id {
            progress[position].recentActive = false
        }
        return active == 1
    }

    /// Whether a leader was heard from less than an election timeout ago: with
    /// CheckQuorum, vote requests are then ignored so that a live leader keeps its lease.
    /// A node that restarts after it may have followed a leader (its persisted term is
    /// past the bootstrap term 1) counts the restart as contact: it may have acknowledged
    /// a heartbeat just before crashing.
    var isInLease: Bool {
        config.checkQuorum && electionElapsed < config.electionTicks
            && (leader != nil || (mayHaveFollowedBeforeBoot && ticks < UInt64(config.electionTicks)))
    }

    mutating func campaign(_ kind: CampaignKind) {
        guard isPromotable, role != .leader else { return }
        let voteTerm: Term
        if kind == .preElection {
            becomePreCandidate()
            voteTerm = term.next
        } else {
            becomeCandidate()
            voteTerm = term
        }
        let isPreVote = kind == .preElection
        if recordVote(from: config.id, granted: true) == .won {
            winElection(preVote: isPreVote)
            return
        }
        let request = VoteRequest(isPreVote: isPreVote, lastLogIndex: log.lastIndex, lastLogTerm: log.lastTerm,
                                  isTransfer: kind == .transfer)
        for voter in configuration.voters where voter != config.id {
            send(to: voter, term: voteTerm, .voteRequest(request))
        }
    }

    enum ElectionResult { case pending, won, lost }

    mutating func recordVote(from voter: RaftNodeID, granted: Bool) -> ElectionResult {
        if votes[voter] == nil { votes[voter] = granted }
        var yes = 0
        var no = 0
        for member in configuration.voters {
            switch votes[member] {
            case true?: yes += 1
            case false?: no += 1
            case nil: break
            }
        }
        if yes >= configuration.quorumSize { return .won }
        if no > configuration.voters.count - configuration.quorumSize { return .lost }
        return .pending
    }

    private mutating func winElection(preVote: Bool) {
        if preVote { campaign(.election) } else { becomeLeader() }
    }

    mutating func handleVoteRequest(_ message: RaftMessage, _ request: VoteRequest) {
        let canVote = vote == message.from
            || (vote == nil && leader == nil)
            || (request.isPreVote && message.term > term)
        let upToDate = injected(.voteWithoutLogCheck)
            || log.isUpToDate(lastIndex: request.lastLogIndex, lastTerm: request.lastLogTerm)
        let response = { (granted: Bool) in VoteResponse(isPreVote: request.isPreVote, granted: granted) }
        guard canVote && upToDate else {
            send(to: message.from, .voteResponse(response(false)))
            return
        }
        // A grant carries the requested term: a pre-candidate counts it without this
        // node changing its own term.
        send(to: message.from, term: message.term, .voteResponse(response(true)))
        if !request.isPreVote {
            vote = message.from
            electionElapsed = 0
        }
    }

    mutating func handleVoteResponse(_ message: RaftMessage, _ response: VoteResponse) {
        let expected: RaftRole = response.isPreVote ? .preCandidate : .candidate
        guard role == expected else { return }
        switch recordVote(from: message.from, granted: response.granted) {
        case .won: winElection(preVote: response.isPreVote)
        case .lost: becomeFollower(term: term, leader: nil)
        case .pending: break
        }
    }

    // MARK: Role changes

    /// Clears per-term volatile state; adopts `newTerm` (forgetting the vote) if higher.
    private mutating func reset(term newTerm: Term) {
        if newTerm != term {
            term = newTerm
            vote = nil
            leaseRevoked = false
        }
        leader = nil
        votes = [:]
        heartbeatElapsed = 0
        resetElectionTimer()
        abandonLeadership()
    }

    mutating func becomeFollower(term newTerm: Term, leader newLeader: RaftNodeID?) {
        reset(term: newTerm)
        role = .follower
        leader = newLeader
    }

    private mutating func becomePreCandidate() {
        // No term change and no vote: a pre-election leaves no trace if it fails.
        abandonLeadership()
        role = .preCandidate
        leader = nil
        votes = [:]
    }

    private mutating func becomeCandidate() {
        reset(term: term.next)
        vote = config.id
        role = .candidate
    }

    private mutating func becomeLeader() {
        reset(term: term)
        role = .leader
        leader = config.id
        let next = log.lastIndex.next
        for member in configuration.members {
            var peer = Progress(id: member, isLearner: configuration.isLearner(member), next: next,
                                maxInflightMessages: config.maxInflightMessages)
            if member == config.id {
                peer.match = log.lastIndex
                peer.becomeReplicate()
            }
            progress.insert(peer)
        }
        // Config changes already in the log must commit before a new one is accepted.
        pendingConfigIndex = log.lastIndex
        uncommittedBytes = 0
        reads = ReadQueue()
        appendToOwnLog(kind: .empty, data: [])
        afterOwnAppend()
    }

    /// Drops leader-only state when a leader stops leading, answering every read it held.
    private mutating func abandonLeadership() {
        guard role == .leader else { return }
        failPendingReads(.leadershipLost)
        progress.removeAll()
        leadTransferee = nil
        uncommittedBytes = 0
    }
}
