/// What the shell must do after one `RaftNode.step(_:)`, in this order:
///
/// 1. If `snapshot` is set, persist it (replacing older snapshots). If
///    `restoreStateMachine` is true, discard the whole persisted log; otherwise discard
///    persisted entries up to the snapshot's index.
/// 2. Persist `entriesToPersist` (first discarding persisted entries at or after the first
///    one's index) and `hardState` if set. If `mustSync`, fsync before step 3.
/// 3. Send `messages`.
/// 4. If `restoreStateMachine`, load the state machine from `snapshot`; then apply
///    `committedEntries` in order.
/// 5. Answer each `ReadState` once the state machine has applied its index.
///
/// The shell finishes an output before it calls `step` again. See docs/raft.md.
public struct RaftOutput: Sendable {
    /// Entries to append to the persisted log (a contiguous run; the first one's index is
    /// where the persisted log is cut before appending).
    public var entriesToPersist: [Entry] = []
    /// The new hard state, when it changed.
    public var hardState: HardState?
    /// Whether entries, term or vote changed: they must be fsync'd before any message goes out.
    public var mustSync: Bool = false
    /// A snapshot to persist: received from the leader (`restoreStateMachine`) or the
    /// result of a `.compact` input.
    public var snapshot: Snapshot?
    /// The snapshot came from the leader: the state machine must be replaced by it.
    public var restoreStateMachine: Bool = false
    /// Messages to send, after persisting.
    public var messages: [RaftMessage] = []
    /// Newly committed entries, to apply in order. `.configChange` entries have already
    /// taken effect in the core; the shell updates its peer list from them.
    public var committedEntries: [Entry] = []
    /// Reads that may be served once the state machine has applied `ReadState.index`.
    public var readStates: [ReadState] = []
    /// Reads the core refused or abandoned; the caller may retry elsewhere.
    public var rejectedReads: [RejectedRead] = []
    /// Proposals appended to the leader's log (not yet committed).
    public var acceptedProposals: [AcceptedProposal] = []
    /// Proposals that were not appended, with the reason.
    public var rejectedProposals: [RejectedProposal] = []
    /// The role or known leader, when either changed.
    public var softState: SoftState?
    /// The active membership, when it changed.
    public var configuration: RaftConfiguration?
    /// Shell commands (compact, transfer) that could not be carried out.
    public var errors: [RaftError] = []

    public init() {}

    /// True when there is nothing to do.
    public var isEmpty: Bool {
        entriesToPersist.isEmpty && hardState == nil && snapshot == nil && messages.isEmpty
            && committedEntries.isEmpty && readStates.isEmpty && rejectedReads.isEmpty
            && acceptedProposals.isEmpty && rejectedProposals.isEmpty && softState == nil
            && configuration == nil && errors.isEmpty
    }
}

/// A confirmed read: once the state machine has applied `index`, reading it is
/// linearizable for the request `id`.
public struct ReadState: Hashable, Sendable {
    public var id: ReadRequestID
    public var index: LogIndex
    /// How it was confirmed (a `.lease` request may have fallen back to `.readIndex`).
    public var mode: ReadMode

    public init(id: ReadRequestID, index: LogIndex, mode: ReadMode) {
        self.id = id
        self.index = index
        self.mode = mode
    }
}

/// Why a read was not confirmed.
public enum ReadRejection: String, Hashable, Sendable {
    /// No leader is known (election in progress); retry later.
    case noLeader = "no_leader"
    /// The node stopped being leader (or the leader changed) before confirming the read.
    case leadershipLost = "leadership_lost"
    /// More than `maxPendingReads` reads are waiting.
    case tooManyPendingReads = "too_many_pending_reads"
    /// The node is not a member of the group.
    case notMember = "not_member"
}

/// A read that will not be confirmed, and why.
public struct RejectedRead: Hashable, Sendable {
    public var id: ReadRequestID
    public var reason: ReadRejection

    public init(id: ReadRequestID, reason: ReadRejection) {
        self.id = id
        self.reason = reason
    }
}

/// A proposal the leader appended to its log.
public struct AcceptedProposal: Hashable, Sendable {
    public var id: ProposalID
    /// The proposal is committed when an entry with this index and term is committed.
    public var index: LogIndex
    public var term: Term

    public init(id: ProposalID, index: LogIndex, term: Term) {
        self.id = id
        self.index = index
        self.term = term
    }
}

/// Why a proposal was not appended. No proposal is ever dropped without one of these.
public enum ProposalRejection: Hashable, Sendable {
    /// Only the leader accepts proposals; `leader` is the leader this node knows, if any.
    case notLeader(leader: RaftNodeID?)
    /// A leadership transfer is under way; retry on the new leader.
    case leadershipTransferInProgress
    /// The leader's uncommitted bytes would exceed `maxUncommittedEntriesBytes`.
    case uncommittedBytesExceeded
    /// Another membership change is not yet committed, or the leader has not yet
    /// committed an entry of its own term.
    case configChangePending
    /// The membership change does not apply to the current configuration.
    case invalidConfigChange(String)

    /// Stable searchable code for the reason.
    public var code: String {
        switch self {
        case .notLeader: "not_leader"
        case .leadershipTransferInProgress: "leadership_transfer_in_progress"
        case .uncommittedBytesExceeded: "uncommitted_bytes_exceeded"
        case .configChangePending: "config_change_pending"
        case .invalidConfigChange: "invalid_config_change"
        }
    }
}

/// A proposal that was not appended, and why.
public struct RejectedProposal: Hashable, Sendable {
    public var id: ProposalID
    public var reason: ProposalRejection

    public init(id: ProposalID, reason: ProposalRejection) {
        self.id = id
        self.reason = reason
    }
}

/// A node's role in the protocol.
public enum RaftRole: String, Hashable, Sendable {
    case follower
    case preCandidate = "pre_candidate"
    case candidate
    case leader
}

/// Volatile state the shell may want to publish: role and known leader.
public struct SoftState: Hashable, Sendable {
    public var role: RaftRole
    public var leader: RaftNodeID?

    public init(role: RaftRole, leader: RaftNodeID?) {
        self.role = role
        self.leader = leader
    }
}
