/// A leader's view of one member's replication, for shells (e.g. to promote a learner
/// only once it has caught up) and for checkers.
public struct PeerProgress: Hashable, Sendable {
    /// Replication mode: probing for the match point, pipelining, or streaming a snapshot.
    public enum State: String, Hashable, Sendable { case probe, replicate, snapshot }

    public var id: RaftNodeID
    public var isLearner: Bool
    /// Highest index known to match the leader's log.
    public var match: LogIndex
    /// Next index the leader will send.
    public var next: LogIndex
    public var state: State

    public init(id: RaftNodeID, isLearner: Bool, match: LogIndex, next: LogIndex, state: State) {
        self.id = id
        self.isLearner = isLearner
        self.match = match
        self.next = next
        self.state = state
    }
}

extension RaftNode {
    /// The replication progress of every member (this node included), when leader;
    /// empty otherwise.
    public var peerProgress: [PeerProgress] {
        progress.all.map { peer in
            let state: PeerProgress.State = switch peer.state {
            case .probe: .probe
            case .replicate: .replicate
            case .snapshot: .snapshot
            }
            return PeerProgress(id: peer.id, isLearner: peer.isLearner, match: peer.match, next: peer.next, state: state)
        }
    }
}
