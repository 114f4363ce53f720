/// The state a node must persist before it sends any message that depends on it.
///
/// `term` and `vote` must be durable (fsync'd) before a vote or any message of the term
/// leaves the node, or a crash could let it vote twice in one term. `commit` may be
/// persisted lazily: a node that forgets it relearns it from the leader.
public struct HardState: Hashable, Sendable {
    public var term: Term
    /// The candidate this node voted for in `term`, if any.
    public var vote: RaftNodeID?
    /// The highest log index known to be committed.
    public var commit: LogIndex

    public init(term: Term = .zero, vote: RaftNodeID? = nil, commit: LogIndex = .zero) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}
