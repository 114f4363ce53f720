/// Everything that can happen to a Raft node. `RaftNode.step(_:)` takes one input and
/// returns one `RaftOutput`.
public enum RaftInput: Hashable, Sendable {
    /// One unit of logical time (the shell decides its length, e.g. 100 ms).
    case tick
    /// A message from another member.
    case message(RaftMessage)
    /// Application data to replicate. Accepted proposals are reported in
    /// `RaftOutput.acceptedProposals` (with their log index), refused ones in
    /// `RaftOutput.rejectedProposals`; never neither. Only a leader accepts.
    case propose([Proposal])
    /// A membership change, proposed like data (same reporting).
    case proposeConfigChange(ProposalID, ConfigChange)
    /// A linearizable read. Answered by a `ReadState` (read index) in this or a later
    /// output, or by a `RejectedRead`. On a follower it is forwarded to the leader.
    case read(ReadRequestID, ReadMode)
    /// Hand leadership to `target` (a voter). A follower forwards it to the leader.
    case transferLeadership(to: RaftNodeID)
    /// Start an election now (pre-vote first if enabled), as if the timer had fired.
    case campaign
    /// The shell's state machine has applied everything up to `index` and captured it
    /// in `snapshotData`: the log up to `index` may be discarded.
    case compact(through: LogIndex, snapshotData: [UInt8])
    /// The transport could not reach `peer`: the leader stops pipelining to it and
    /// probes instead.
    case peerUnreachable(RaftNodeID)
}

/// One application command to replicate.
public struct Proposal: Hashable, Sendable {
    public var id: ProposalID
    public var data: [UInt8]

    public init(id: ProposalID, data: [UInt8]) {
        self.id = id
        self.data = data
    }
}

/// How a linearizable read is confirmed.
public enum ReadMode: UInt8, Hashable, Sendable {
    /// The leader confirms it still leads with a heartbeat round to a quorum. Costs one
    /// round trip, no log write, no clock assumption.
    case readIndex = 0
    /// The leader answers from its lease without a round trip, when CheckQuorum is on and
    /// a quorum acknowledged it recently enough (relies on bounded clock drift, see
    /// docs/raft.md). Falls back to `readIndex` otherwise.
    case lease = 1
}
